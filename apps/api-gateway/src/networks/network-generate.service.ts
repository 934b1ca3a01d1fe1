import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Pool } from 'pg';
import { API_GROUP, API_GROUP_VERSION, InvalidError, NotFoundError, type Resource } from '@kastra/api';
import type { Principal } from '@kastra/auth';
import { EventNotifier, PG_POOL, type RecordedEvent } from '@kastra/event-store';
import { RbacAuthorizer } from '@kastra/rbac';
import { RESOURCE_STORE, type ResourceStore, type WriteContext } from '@kastra/resource-store';
import { NETWORK_RUN_STREAM, streamIdOfRun, tailRunEvents } from '../runs/run-event-tail';
import { waitUntilSettled } from '../runs/run-settle-watch';
import { createWithGeneratedName } from '../runs/create-generated-run';
import { isNetworkRunEnded, networkOutcomeOf, networkTimeoutOutcome, type NetworkGenerateOutcome } from './network-generate.outcome';
import type { NetworkGenerateRequest } from './network-generate.request';

/** A Network's `router.maxSteps` when it sets none. */
const DEFAULT_ROUTER_MAX_STEPS = 10;

/** How a streamed run ended, for the last frame of the stream. */
export type NetworkStreamEnd = { ended: true } | { ended: false; outcome: NetworkGenerateOutcome } | { ended: false; deleted: true };

/**
 * `generate` on a Network: a NetworkRun created as the caller, then waited for (its status) or
 * followed (its events). The run is an ordinary NetworkRun, so it goes on when the caller leaves.
 */
@Injectable()
export class NetworkGenerateService implements OnModuleDestroy {
  /** Aborted when the gateway shuts down: every waiting call stops. */
  private readonly closing = new AbortController();

  constructor(
    @Inject(RESOURCE_STORE) private readonly store: ResourceStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly notifier: EventNotifier,
    private readonly authorizer: RbacAuthorizer,
  ) {}

  /**
   * 403 unless `principal` may create NetworkRuns in `namespace`: beyond `networks/generate`
   * (which the gateway checked), a generate is that create, made for the caller.
   */
  assertMayRun(namespace: string, principal: Principal): void {
    this.authorizer.assertAllowed(principal, { verb: 'create', apiGroup: API_GROUP, resource: NETWORK_RUN_STREAM.plural, namespace });
  }

  /** Creates the run as the caller (404 for an unknown network, 422 for maxSteps over its router's). */
  async start(namespace: string, network: string, request: NetworkGenerateRequest, ctx: WriteContext): Promise<Resource> {
    const target = await this.store.get({ kind: 'Network', namespace, name: network });
    if (!target) throw new NotFoundError('networks', network);
    const router = (target.spec?.router ?? {}) as { maxSteps?: number };
    const limit = router.maxSteps ?? DEFAULT_ROUTER_MAX_STEPS;
    if (request.maxSteps !== undefined && request.maxSteps > limit) {
      throw new InvalidError('Network', network, [{ reason: 'FieldValueInvalid', field: 'maxSteps', message: `must be at most the network's router.maxSteps (${limit}), not ${request.maxSteps}` }]);
    }
    const manifestNamed = (name: string): Resource => ({
      apiVersion: API_GROUP_VERSION,
      kind: 'NetworkRun',
      metadata: { name, namespace, labels: { 'mastra.ai/network': network } },
      spec: { networkRef: { name: network }, ...request },
    });
    // A generated name another run holds already is tried again with a fresh one (not a 409).
    return createWithGeneratedName(this.store, network, manifestNamed, ctx);
  }

  /** Waits for the run to end (its status), or answers 504 naming it after `timeoutSeconds`. */
  async waitForAnswer(run: Resource, timeoutSeconds: number, signal: AbortSignal): Promise<NetworkGenerateOutcome> {
    const settled = await waitUntilSettled(this.store, run, {
      plural: NETWORK_RUN_STREAM.plural,
      noun: 'network run',
      isSettled: isNetworkRunEnded,
      timeoutMs: timeoutSeconds * 1000,
      signals: [signal, this.closing.signal],
    });
    return settled.done ? networkOutcomeOf(settled.run) : networkTimeoutOutcome(settled.run, timeoutSeconds);
  }

  /**
   * Hands each event of the run's stream to `onEvent` from its first, until its terminal event
   * (`{ended: true}`); else, when `timeoutSeconds` pass first, the timeout outcome, or `deleted`
   * when the run was deleted meanwhile. A caller hanging up (`signal`) just stops.
   */
  async follow(run: Resource, timeoutSeconds: number, signal: AbortSignal, onEvent: (event: RecordedEvent) => void): Promise<NetworkStreamEnd> {
    const { namespace = '', name, uid = '' } = run.metadata;
    const key = { kind: 'NetworkRun', namespace, name };
    const timeout = new AbortController();
    const stop = () => timeout.abort();
    const timer = setTimeout(stop, timeoutSeconds * 1000);
    signal.addEventListener('abort', stop, { once: true });
    this.closing.signal.addEventListener('abort', stop, { once: true });
    let after = 0;
    let deleted = false;
    try {
      const tail = (follow: boolean, tailSignal: AbortSignal) =>
        tailRunEvents({
          pool: this.pool,
          notifier: this.notifier,
          streamId: streamIdOfRun(NETWORK_RUN_STREAM, namespace, name, uid),
          terminalEvents: NETWORK_RUN_STREAM.terminalEvents,
          afterVersion: after,
          signal: tailSignal,
          follow,
          stillThere: async () => {
            deleted = (await this.store.get(key))?.metadata.uid !== uid;
            return !deleted;
          },
        });
      const pass = async (events: AsyncGenerator<RecordedEvent>): Promise<boolean> => {
        for await (const event of events) {
          after = event.streamVersion;
          onEvent(event);
          if (NETWORK_RUN_STREAM.terminalEvents.has(event.type)) return true;
        }
        return false;
      };
      if (await pass(tail(true, timeout.signal))) return { ended: true };
      // What was appended between the last read and the end of the wait is still told.
      if (!signal.aborted && (await pass(tail(false, new AbortController().signal)))) return { ended: true };
      if (deleted) return { ended: false, deleted: true };
      const latest = (await this.store.get(key)) ?? run;
      return { ended: false, outcome: networkTimeoutOutcome(latest, timeoutSeconds) };
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
      this.closing.signal.removeEventListener('abort', stop);
    }
  }

  onModuleDestroy(): void {
    this.closing.abort();
  }
}
