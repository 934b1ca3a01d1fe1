import type { ResourceStore } from '@kastra/resource-store';
import type { Problem } from '../assessment';
import { describeKey } from '../reference-checker';

/**
 * The problem with `{name, key}` of a Secret in `namespace`, or undefined when the key exists.
 * A missing Secret is left to the reference check (ReferenceNotFound). Values are encrypted at
 * rest and never read here: the key's presence is what counts.
 */
export async function secretKeyProblem(
  store: ResourceStore,
  namespace: string,
  selector: { name: string; key: string },
  field: string,
): Promise<Problem | undefined> {
  const key = { kind: 'Secret', namespace, name: selector.name };
  const secret = await store.get(key);
  if (!secret) return undefined;
  const keys = new Set([...Object.keys(secret.data ?? {}), ...Object.keys(secret.stringData ?? {})]);
  if (keys.has(selector.key)) return undefined;
  return {
    reason: 'SecretKeyMissing',
    message: `${describeKey(key)} has no key "${selector.key}" (${field}): add it to the Secret or correct the key`,
  };
}
