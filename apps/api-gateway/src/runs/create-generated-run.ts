import { AlreadyExistsError, generatedRunName, type Resource } from '@kastra/api';
import type { ResourceStore, WriteContext } from '@kastra/resource-store';

/** Attempts at a free generated name, as the apiserver's generateName retries (8 in all). */
export const GENERATED_NAME_ATTEMPTS = 8;

/**
 * Creates a run the gateway names itself (`<base>-<5 random>`): when the name is taken by another
 * run (a collision of the random suffix: ~4 % among 1,100 runs of one Workflow), it tries again
 * with a fresh name, up to GENERATED_NAME_ATTEMPTS in all — what Kubernetes' apiserver does for
 * `generateName` — instead of answering the caller 409 for a name it never chose.
 *
 * A retry never makes a second run: `ResourceStore.create` answers AlreadyExists only when it wrote
 * nothing (the Postgres store's one statement either found an object of that name and inserted
 * nothing, or met the unique constraint and was rolled back: resource-write-statement.ts).
 */
export async function createWithGeneratedName(
  store: Pick<ResourceStore, 'create'>,
  base: string,
  manifestNamed: (name: string) => Resource,
  ctx: WriteContext,
  nameOf: (base: string) => string = generatedRunName,
): Promise<Resource> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await store.create(manifestNamed(nameOf(base)), ctx);
    } catch (error) {
      if (!(error instanceof AlreadyExistsError) || attempt >= GENERATED_NAME_ATTEMPTS) throw error;
    }
  }
}
