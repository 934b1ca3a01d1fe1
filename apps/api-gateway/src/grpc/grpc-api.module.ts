import { type DynamicModule, Module } from '@nestjs/common';
import { GRPC_API_OPTIONS, type GrpcApiOptions, grpcApiOptionsFromEnv, grpcListenOptionsFromEnv } from './grpc-api-options';
import { GrpcApiServer } from './grpc-api-server';

/**
 * The gateway's gRPC API (:50051, or GRPC_PORT; TLS with the HTTPS certificate). Needs
 * `RESOURCE_STORE` (ResourceStoreModule), `JwtAuthority` (AuthModule) and the RBAC authorizer and
 * policy (RbacModule) from global modules of the app; reports `ReadinessRegistry` (service-host's
 * HealthModule) through grpc.health.v1 when the app has one.
 */
@Module({
  providers: [GrpcApiServer, { provide: GRPC_API_OPTIONS, useFactory: () => grpcApiOptionsFromEnv() }],
  exports: [GrpcApiServer],
})
export class GrpcApiModule {
  /**
   * With explicit options instead of the environment's (tests bind port 0). `tls` is taken as
   * given — undefined is plaintext — so tests never read or generate a certificate in KASTRA_HOME.
   */
  static forRoot(options: Partial<GrpcApiOptions> = {}): DynamicModule {
    return {
      module: GrpcApiModule,
      providers: [{ provide: GRPC_API_OPTIONS, useFactory: (): GrpcApiOptions => ({ ...grpcListenOptionsFromEnv(), tls: undefined, ...options }) }],
    };
  }
}
