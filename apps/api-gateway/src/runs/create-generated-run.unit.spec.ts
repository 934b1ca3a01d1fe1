import { AlreadyExistsError, InvalidError, type Resource } from '@kastra/api';
import type { ResourceStore, WatchEvent, WriteContext } from '@kastra/resource-store';
import { createWithGeneratedName, GENERATED_NAME_ATTEMPTS } from './create-generated-run';
import { WorkflowExecuteService } from './workflow-execute.service';

const ctx: WriteContext = { actor: 'user:alice' };

/** Creates WorkflowRuns; the names in `taken` answer AlreadyExists (as the store does: nothing written). */
function storeWith(taken: Set<string>) {
  const created: Resource[] = [];
  const store = {
    async get(key: { kind: string; name: string }) {
      return key.kind === 'Workflow' ? ({ apiVersion: 'mastra.ai/v1', kind: 'Workflow', metadata: { name: key.name, namespace: 'default' } } as Resource) : undefined;
    },
    async create(resource: Resource) {
      if (taken.has(resource.metadata.name)) throw new AlreadyExistsError('workflowruns', resource.metadata.name);
      taken.add(resource.metadata.name);
      const run = { ...resource, metadata: { ...resource.metadata, uid: `uid-${created.length}`, resourceVersion: String(created.length + 1) } };
      created.push(run);
      return run;
    },
    // The run settles at once: the executor has run it.
    async *watch(): AsyncIterable<WatchEvent> {
      const run = created.at(-1)!;
      yield { type: 'MODIFIED', object: { ...run, status: { phase: 'Succeeded', output: { ok: true } } } } as WatchEvent;
    },
  };
  return { store: store as unknown as ResourceStore, created };
}

describe('runs the gateway names: a taken generated name is tried again with a fresh one', () => {
  it('execute answers the run when its first generated name was taken by another run', async () => {
    const taken = new Set<string>();
    const { store, created } = storeWith(taken);
    let first: string | undefined;
    const original = store.create.bind(store);
    // The first name the gateway generates is already another run's (a collision of the suffix).
    store.create = async (resource, c) => {
      if (first === undefined) {
        first = resource.metadata.name;
        taken.add(first);
      }
      return original(resource, c);
    };
    const service = new WorkflowExecuteService(store);
    const outcome = await service.execute('default', 'two-noops', undefined, { ctx, timeoutSeconds: 5, signal: new AbortController().signal });
    expect(outcome.code).toBe(200);
    expect(created).toHaveLength(1);
    expect(created[0].metadata.name).not.toBe(first);
    expect(created[0].metadata.name).toMatch(/^two-noops-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(outcome.body).toMatchObject({ run: created[0].metadata.name, phase: 'Succeeded' });
  });

  it('gives up after GENERATED_NAME_ATTEMPTS taken names, with the AlreadyExists', async () => {
    const { store } = storeWith(new Set(['w-x']));
    const names: string[] = [];
    const nameOf = () => (names.push('w-x'), 'w-x');
    await expect(createWithGeneratedName(store, 'w', (name) => ({ apiVersion: 'mastra.ai/v1', kind: 'WorkflowRun', metadata: { name, namespace: 'default' } }), ctx, nameOf)).rejects.toBeInstanceOf(AlreadyExistsError);
    expect(names).toHaveLength(GENERATED_NAME_ATTEMPTS);
  });

  it('does not retry any other error', async () => {
    let calls = 0;
    const store = { create: async () => (calls++, Promise.reject(new InvalidError('WorkflowRun', 'w-x', []))) };
    await expect(createWithGeneratedName(store, 'w', (name) => ({ apiVersion: 'mastra.ai/v1', kind: 'WorkflowRun', metadata: { name } }), ctx)).rejects.toBeInstanceOf(InvalidError);
    expect(calls).toBe(1);
  });
});
