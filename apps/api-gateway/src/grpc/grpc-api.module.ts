import { type DynamicModule, Module } from '@nestjs/common';
import { GRPC_API_OPTIONS, type GrpcApiOptions, grpcApiOptionsFromEnv } from './grpc-api-options';
import { GrpcApiServer } from './grpc-api-server';

/**
 * The gateway's gRPC API (:50051, or GRPC_PORT). Needs `RESOURCE_STORE` (ResourceStoreModule),
 * `JwtAuthority` (AuthModule) and the RBAC authorizer and policy (RbacModule) from global modules of the app.
 */
@Module({
  providers: [GrpcApiServer, { provide: GRPC_API_OPTIONS, useFactory: () => grpcApiOptionsFromEnv() }],
  exports: [GrpcApiServer],
})
export class GrpcApiModule {
  /** With explicit options instead of the environment's (tests bind port 0). */
  static forRoot(options: Partial<GrpcApiOptions> = {}): DynamicModule {
    return {
      module: GrpcApiModule,
      providers: [{ provide: GRPC_API_OPTIONS, useFactory: () => ({ ...grpcApiOptionsFromEnv(), ...options }) }],
    };
  }
}
