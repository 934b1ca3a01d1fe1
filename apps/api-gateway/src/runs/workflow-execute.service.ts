import { randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { API_GROUP_VERSION, NotFoundError, type Resource } from '@kastra/api';
import { RESOURCE_STORE, type ResourceStore, type WriteContext } from '@kastra/resource-store';
import { isSettled, outcomeOf, timeoutOutcome, type ExecuteOutcome } from './workflow-run-outcome';

const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
/** Kubernetes generateName keeps room for the suffix within 63 characters. */
const MAX_BASE_LENGTH = 57;

/** `<workflow>-<5 random>` as Kubernetes' generateName would make it. */
export function generatedRunName(workflow: string): string {
  const bytes = randomBytes(5);
  const suffix = [...bytes].map((b) => NAME_ALPHABET[b % NAME_ALPHABET.length]).join('');
  return `${workflow.slice(0, MAX_BASE_LENGTH).replace(/-+$/, '')}-${suffix}`;
}

/** The synchronous form of a run: create a WorkflowRun, watch it until it settles or time runs out. */
@Injectable()
export class WorkflowExecuteService implements OnModuleDestroy {
  private readonly inFlight = new Set<AbortController>();

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
    const settled = await this.waitUntilSettled(created, options.timeoutSeconds * 1000, options.signal);
    return settled.done ? outcomeOf(settled.run) : timeoutOutcome(settled.run, options.timeoutSeconds);
  }

  /** Watches the run from its creation (so no change is missed) until it ends or suspends. */
  private async waitUntilSettled(run: Resource, timeoutMs: number, signal: AbortSignal): Promise<{ done: boolean; run: Resource }> {
    const stop = new AbortController();
    const abort = () => stop.abort();
    signal.addEventListener('abort', abort, { once: true });
    const timer = setTimeout(abort, timeoutMs);
    this.inFlight.add(stop);
    let latest = run;
    try {
      const query = { kind: 'WorkflowRun', namespace: run.metadata.namespace, fieldSelector: `metadata.name=${run.metadata.name}` };
      for await (const event of this.store.watch(query, run.metadata.resourceVersion, stop.signal)) {
        if (event.object.metadata.uid !== run.metadata.uid) continue;
        if (event.type === 'DELETED') throw new NotFoundError('workflowruns', run.metadata.name, `workflow run ${run.metadata.name} was deleted before it finished`);
        latest = event.object;
        if (isSettled(latest)) return { done: true, run: latest };
      }
      return { done: false, run: latest };
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', abort);
      this.inFlight.delete(stop);
    }
  }

  onModuleDestroy(): void {
    for (const controller of this.inFlight) controller.abort();
  }
}
