import { Inject, Injectable, Logger, Optional, type OnModuleDestroy } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { API_GROUP_VERSION, NotFoundError, type Resource } from '@kastra/api';
import { NATS_CONNECTION, NATS_PREFIX } from '@kastra/messaging';
import { RESOURCE_STORE, type ResourceStore, type WriteContext } from '@kastra/resource-store';
import { publishRunCreated, workflowRunWorkQueue } from '@kastra/run-engine';
import { createWithGeneratedName } from './create-generated-run';
import { RunAdvancedNotices } from './run-advanced-notices';
import { waitUntilSettled } from './run-settle-watch';
import { isSettled, outcomeOf, timeoutOutcome, type ExecuteOutcome } from './workflow-run-outcome';

/** The synchronous form of a run: create a WorkflowRun, watch it until it settles or time runs out. */
@Injectable()
export class WorkflowExecuteService implements OnModuleDestroy {
  /** Aborted when the gateway shuts down: every waiting call stops watching. */
  private readonly closing = new AbortController();

  private readonly logger = new Logger(WorkflowExecuteService.name);

  constructor(
    @Inject(RESOURCE_STORE) private readonly store: ResourceStore,
    // Optional: without NATS (an app assembled for a test) the run is enqueued by the
    // resource-event path and seen by the watch alone.
    @Optional() @Inject(NATS_CONNECTION) private readonly nc?: NatsConnection,
    @Optional() @Inject(NATS_PREFIX) private readonly prefix?: string,
    @Optional() private readonly advanced?: RunAdvancedNotices,
  ) {}

  async execute(namespace: string, workflow: string, input: unknown, options: { ctx: WriteContext; timeoutSeconds: number; signal: AbortSignal }): Promise<ExecuteOutcome> {
    if (!(await this.store.get({ kind: 'Workflow', namespace, name: workflow }))) throw new NotFoundError('workflows', workflow);
    const manifestNamed = (name: string): Resource => ({
      apiVersion: API_GROUP_VERSION,
      kind: 'WorkflowRun',
      metadata: { name, namespace, labels: { 'mastra.ai/workflow': workflow } },
      spec: { workflowRef: { name: workflow }, ...(input !== undefined ? { input } : {}) },
    });
    // A generated name another run holds already is tried again with a fresh one (not a 409).
    const created = await createWithGeneratedName(this.store, workflow, manifestNamed, options.ctx);
    // Enqueued now rather than after the log relay and the executor's resource-event consumer
    // have seen the creation (they enqueue it too, as a duplicate JetStream drops). The wait below
    // listens for the executor's word before this message can reach it.
    const { nc, prefix, advanced } = this;
    const enqueued = (nc && prefix !== undefined ? publishRunCreated(nc, workflowRunWorkQueue(prefix), created) : Promise.resolve()).catch((error: unknown) => {
      this.logger.warn(`enqueueing workflow run ${created.metadata.name} failed (the resource-event path enqueues it): ${String(error)}`);
    });
    const settled = await waitUntilSettled(this.store, created, {
      plural: 'workflowruns',
      noun: 'workflow run',
      isSettled,
      timeoutMs: options.timeoutSeconds * 1000,
      signals: [options.signal, this.closing.signal],
      nudges: advanced ? (onNudge) => advanced.listen(namespace, created.metadata.name, onNudge) : undefined,
    });
    await enqueued;
    return settled.done ? outcomeOf(settled.run) : timeoutOutcome(settled.run, options.timeoutSeconds);
  }

  onModuleDestroy(): void {
    this.closing.abort();
  }
}
