import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { API_GROUP_VERSION, NotFoundError, type Resource } from '@kastra/api';
import { RESOURCE_STORE, type ResourceStore, type WriteContext } from '@kastra/resource-store';
import { generatedRunName } from './generated-run-name';
import { waitUntilSettled } from './run-settle-watch';
import { isSettled, outcomeOf, timeoutOutcome, type ExecuteOutcome } from './workflow-run-outcome';

/** The synchronous form of a run: create a WorkflowRun, watch it until it settles or time runs out. */
@Injectable()
export class WorkflowExecuteService implements OnModuleDestroy {
  /** Aborted when the gateway shuts down: every waiting call stops watching. */
  private readonly closing = new AbortController();

  constructor(@Inject(RESOURCE_STORE) private readonly store: ResourceStore) {}

  async execute(namespace: string, workflow: string, input: unknown, options: { ctx: WriteContext; timeoutSeconds: number; signal: AbortSignal }): Promise<ExecuteOutcome> {
    if (!(await this.store.get({ kind: 'Workflow', namespace, name: workflow }))) throw new NotFoundError('workflows', workflow);
    const manifest: Resource = {
      apiVersion: API_GROUP_VERSION,
      kind: 'WorkflowRun',
      metadata: { name: generatedRunName(workflow), namespace, labels: { 'mastra.ai/workflow': workflow } },
      spec: { workflowRef: { name: workflow }, ...(input !== undefined ? { input } : {}) },
    };
    const created = await this.store.create(manifest, options.ctx);
    const settled = await waitUntilSettled(this.store, created, {
      plural: 'workflowruns',
      noun: 'workflow run',
      isSettled,
      timeoutMs: options.timeoutSeconds * 1000,
      signals: [options.signal, this.closing.signal],
    });
    return settled.done ? outcomeOf(settled.run) : timeoutOutcome(settled.run, options.timeoutSeconds);
  }

  onModuleDestroy(): void {
    this.closing.abort();
  }
}
