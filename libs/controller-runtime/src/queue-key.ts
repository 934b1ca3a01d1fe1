import type { ResourceKey } from '@kastra/api';

/** Keys of a queue over several kinds are `Kind/namespace/name` (formatKey); none of the parts can hold a '/'. */
export function parseQueueKey(queueKey: string): ResourceKey {
  const [kind, namespace, name] = queueKey.split('/');
  return { kind, namespace, name };
}
