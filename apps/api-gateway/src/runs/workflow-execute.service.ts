import { randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { API_GROUP_VERSION, NotFoundError, type Resource } from '@kastra/api';
import { RESOURCE_STORE, type ResourceStore, type WriteContext } from '@kastra/resource-store';
import { waitUntilSettled } from './run-settle-watch';
import { isSettled, outcomeOf, timeoutOutcome, type ExecuteOutcome } from './workflow-run-outcome';

const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
/** Kubernetes generateName keeps room for the suffix within 63 characters. */
const MAX_BASE_LENGTH = 57;

/** `<base>-<5 random>` as Kubernetes' generateName would make it (a run named after its Workflow or Network). */
export function generatedRunName(base: string): string {
  const bytes = randomBytes(5);
  const suffix = [...bytes].map((b) => NAME_ALPHABET[b % NAME_ALPHABET.length]).join('');
  return `${base.slice(0, MAX_BASE_LENGTH).replace(/-+$/, '')}-${suffix}`;
}

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
