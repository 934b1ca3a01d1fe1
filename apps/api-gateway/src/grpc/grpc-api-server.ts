import { Server, ServerCredentials } from '@grpc/grpc-js';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { JwtAuthority } from '@kastra/auth';
import { RbacAuthorizer, RbacPolicyCache } from '@kastra/rbac';
import { RESOURCE_STORE, type ResourceStore } from '@kastra/resource-store';
import { GRPC_API_OPTIONS, type GrpcApiOptions } from './grpc-api-options';
import { ResourceRpcHandlers } from './resource-rpc-handlers';
import { resourceServiceDefinition } from './resource-service-definition';
import { resourceServiceImplementation } from './resource-service-implementation';

/**
 * The gRPC server of the api-gateway (kastra.v1.ResourceService), started with the Nest module
 * and stopped first when the app shuts down. Insecure credentials for now: TLS (the gateway's development
 * certificate, as on :8443) is future work, so keep :50051 on a trusted network until then.
 */
@Injectable()
export class GrpcApiServer implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(GrpcApiServer.name);
  private server: Server | undefined;
  private boundPort: number | undefined;
  private readonly stopping = new AbortController();

  constructor(
    @Inject(RESOURCE_STORE) private readonly store: ResourceStore,
    private readonly authority: JwtAuthority,
    private readonly authorizer: RbacAuthorizer,
    private readonly policy: RbacPolicyCache,
    @Inject(GRPC_API_OPTIONS) private readonly options: GrpcApiOptions,
  ) {}

  /** The port actually bound (differs from the option when it was 0). */
  get port(): number {
    if (this.boundPort === undefined) throw new Error('the gRPC server is not listening');
    return this.boundPort;
  }

  async onModuleInit(): Promise<void> {
    const server = new Server();
    const handlers = new ResourceRpcHandlers(this.store, this.authority, this.authorizer, { observe: (object, deleted) => this.policy.observe(object, deleted) });
    server.addService(resourceServiceDefinition(), resourceServiceImplementation(handlers, this.logger, this.stopping.signal));
    const address = `${this.options.host}:${this.options.port}`;
    this.boundPort = await new Promise<number>((resolve, reject) => {
      server.bindAsync(address, ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port)));
    }).catch((error: Error) => {
      server.forceShutdown();
      throw new Error(`gRPC API cannot listen on ${address}: ${error.message} (set GRPC_PORT to a free port)`);
    });
    this.server = server;
    this.logger.log(`gRPC API listening on ${this.options.host}:${this.boundPort}`);
  }

  /** Before the pool and NATS close (their modules use onApplicationShutdown), so calls in flight can finish. */
  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    // Watches never end by themselves: end them (UNAVAILABLE, so clients resume elsewhere), let
    // unary calls finish, and cut whatever still runs after the grace period.
    this.stopping.abort();
    const timer = setTimeout(() => server.forceShutdown(), this.options.shutdownGraceMs);
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    clearTimeout(timer);
    this.logger.log('gRPC API stopped');
  }
}
