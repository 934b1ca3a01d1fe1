import type { Pool } from 'pg';
import { BadRequestError, type KindDefinition, type Resource } from '@kastra/api';
import { LabelSelector, matchesFieldSelector } from './label-selector';
import { listAtHead } from './list-at-head';
import { decodeContinueToken, encodeContinueToken } from './list-continue-token';
import type { ListQuery, ResourceList } from './resource-store';
import { redactSecret } from './secret-data';

/**
 * One page of a list, as the apiserver pages: at most `limit` objects (after the selectors), in
 * namespace/name order, with `continue` when more remain and `remainingItemCount` without selectors
 * (exact here: the rest is read anyway). A first page is read at the log's commit-safe head (list-at-head.ts); a
 * `continue` token carries that head and the last key served, and the next page is the objects
 * after that key as of that same head — a consistent snapshot, whatever was written in between.
 * Every page answers the first page's resourceVersion. No limit: the whole list, no token.
 */
export async function listPage(pool: Pool, kind: KindDefinition, query: ListQuery): Promise<ResourceList> {
  const selector = LabelSelector.parse(query.labelSelector);
  const limit = query.limit;
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) throw new BadRequestError(`limit must be a non-negative integer, not ${limit}`);
  const list = { kind: kind.kind, scope: query.namespace ?? '' };
  const continuation = query.continue ? decodeContinueToken(query.continue, list) : undefined;
  const { objects, head } = await listAtHead(pool, kind, query.namespace, continuation ? { at: continuation.head, after: continuation.after } : {});
  const matching = objects.filter((o) => selector.matches(o.metadata.labels) && matchesFieldSelector(query.fieldSelector, o.metadata));
  const paged = limit !== undefined && limit > 0 && matching.length > limit;
  const items = (paged ? matching.slice(0, limit) : matching).map(redactSecret);
  const result: ResourceList = { items, resourceVersion: head.globalPosition };
  if (!paged) return result;
  const last: Resource = items[items.length - 1];
  result.continue = encodeContinueToken({
    ...list,
    head,
    after: { namespace: last.metadata.namespace ?? '', name: last.metadata.name },
    issuedAt: continuation?.issuedAt ?? Date.now(),
  });
  // The apiserver leaves it unset when selectors are given (it cannot count without reading on).
  if (!query.labelSelector && !query.fieldSelector) result.remainingItemCount = matching.length - items.length;
  return result;
}
