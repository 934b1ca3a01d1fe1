import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import { NatsLlmClient, type ToolSource } from '@kastra/agent-runtime';
import { EventNotifier, EventStore, PG_POOL } from '@kastra/event-store';
import { NATS_CONNECTION, NATS_PREFIX } from '@kastra/messaging';
import { NetworkStateStore } from '@kastra/network-state';
import { lastWriterPermissions, startRbacAuthorizer, type RunningRbacAuthorizer } from '@kastra/rbac';
import { RESOURCE_STORE, type ResourceStore } from '@kastra/resource-store';
import { ReadinessRegistry } from '@kastra/service-host';
import { createLogger } from '@kastra/telemetry';
import { AgentMemberRunner } from './run/agent-member-runner';
import { NetworkRouter } from './network-router';

/**
 * Runs the network-router for the Nest app's lifetime; ready once it consumes work. Member
 * agents' Tools run with their last writer's rights (an RBAC authorizer over this process's store).
 */
@Injectable()
export class NetworkRouterService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = createLogger('network-router');
  private router?: NetworkRouter;
  private rbac?: RunningRbacAuthorizer;

  constructor(
    @Inject(RESOURCE_STORE) private readonly store: ResourceStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(NATS_PREFIX) private readonly prefix: string,
    private readonly notifier: EventNotifier,
    private readonly readiness: ReadinessRegistry,
  ) {}

  onModuleInit(): void {
    this.readiness.register('router', async () => this.router?.isRunning ?? false);
  }

  async onApplicationBootstrap(): Promise<void> {
    const { store, pool, nc, prefix } = this;
    this.rbac = await startRbacAuthorizer(store, this.logger);
    const llm = new NatsLlmClient({ nc, prefix });
    this.router = new NetworkRouter({
      store,
      pool,
      nc,
      prefix,
      llm,
      members: new AgentMemberRunner({ llm, store: store as unknown as ToolSource, events: new EventStore(pool), permissions: lastWriterPermissions(store, this.rbac.authorizer) }),
      states: new NetworkStateStore({ pool, notifier: this.notifier }),
      logger: this.logger,
      concurrency: numberFromEnv('KASTRA_ROUTER_CONCURRENCY'),
      ackWaitMs: numberFromEnv('KASTRA_ROUTER_ACK_WAIT_MS'),
      recoveryIntervalMs: numberFromEnv('KASTRA_ROUTER_RECOVERY_MS'),
      maxMemberCrashes: numberFromEnv('KASTRA_ROUTER_MAX_CRASHES'),
      maxOutputBytes: numberFromEnv('KASTRA_ROUTER_MAX_OUTPUT_BYTES'),
    });
    await this.router.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.router?.stop();
    await this.rbac?.stop();
  }
}

function numberFromEnv(name: string): number | undefined {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}
