import { Server, ServerCredentials } from '@grpc/grpc-js';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnModuleInit, Optional } from '@nestjs/common';
import { JwtAuthority } from '@kastra/auth';
import { RbacAuthorizer, RbacPolicyCache } from '@kastra/rbac';
import { RESOURCE_STORE, type ResourceStore } from '@kastra/resource-store';
import { ReadinessRegistry } from '@kastra/service-host';
import { GRPC_API_OPTIONS, type GrpcApiOptions } from './grpc-api-options';
import { GrpcHealth } from './grpc-health';
import { addServerReflection } from './grpc-reflection';
import { ResourceRpcHandlers } from './resource-rpc-handlers';
import { RESOURCE_SERVICE_NAME, resourceServiceDefinition } from './resource-service-definition';
import { resourceServiceImplementation } from './resource-service-implementation';

/**
 * The gRPC server of the api-gateway, started with the Nest module and stopped first when the app
 * shuts down: kastra.v1.ResourceService (bearer token on every call), grpc.health.v1.Health and
 * server reflection (v1, v1alpha) — these two without a token. Over TLS with the HTTPS certificate
 * unless the options say plaintext (KASTRA_GRPC_PLAINTEXT=true).
 */
@Injectable()
export class GrpcApiServer implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(GrpcApiServer.name);
  private server: Server | undefined;
  private health: GrpcHealth | undefined;
  private boundPort: number | undefined;
  private readonly stopping = new AbortController();

  constructor(
    @Inject(RESOURCE_STORE) private readonly store: ResourceStore,
    private readonly authority: JwtAuthority,
    private readonly authorizer: RbacAuthorizer,
    private readonly policy: RbacPolicyCache,
    @Inject(GRPC_API_OPTIONS) private readonly options: GrpcApiOptions,
    @Optional() private readonly readiness?: ReadinessRegistry,
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
    const health = new GrpcHealth([RESOURCE_SERVICE_NAME], this.readiness);
    health.addToServer(server);
    addServerReflection(server);
    const { tls } = this.options;
    const credentials = tls
      ? ServerCredentials.createSsl(null, [{ private_key: Buffer.from(tls.key), cert_chain: Buffer.from(tls.cert) }], false)
      : ServerCredentials.createInsecure();
    const address = `${this.options.host}:${this.options.port}`;
    this.boundPort = await new Promise<number>((resolve, reject) => {
      server.bindAsync(address, credentials, (error, port) => (error ? reject(error) : resolve(port)));
    }).catch((error: Error) => {
      server.forceShutdown();
      throw new Error(`gRPC API cannot listen on ${address}: ${error.message} (set GRPC_PORT to a free port)`);
    });
    this.server = server;
    this.health = health;
    this.logger.log(`gRPC API listening on ${this.options.host}:${this.boundPort} (${tls ? 'TLS' : 'plaintext'})`);
  }

  /** Before the pool and NATS close (their modules use onApplicationShutdown), so calls in flight can finish. */
  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    // Health says NOT_SERVING first (open health Watches hear it, then end); resource watches
    // never end by themselves: end them (UNAVAILABLE, so clients resume elsewhere), let unary
    // calls finish, and cut whatever still runs after the grace period.
    this.health?.beginShutdown();
    this.stopping.abort();
    const timer = setTimeout(() => server.forceShutdown(), this.options.shutdownGraceMs);
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    clearTimeout(timer);
    this.logger.log('gRPC API stopped');
  }
}
