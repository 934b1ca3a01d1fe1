import type { Pool } from 'pg';
import { BadRequestError, ExpiredError, findKindByName } from '@kastra/api';
import { LOG_START, logPositionOf, positionOf, readAllEvents, type LogPosition } from '@kastra/event-store';
import type { EventNotifier } from '@kastra/event-store';
import { LabelSelector, matchesFieldSelector } from './label-selector';
import { RESOURCE_CATEGORY, ResourceEventType } from './resource-events';
import { objectOfEvent } from './resource-projection';
import type { ListQuery, ResourceStore, WatchEvent } from './resource-store';
import { redactSecret } from './secret-data';
import { listAtHead } from './list-at-head';
import { checkWatchResourceVersion } from './watch-resource-version';

const BATCH = 500;
const RESOURCE_CATEGORIES: ReadonlySet<string> = new Set([RESOURCE_CATEGORY]);
/** Longest a watch waits without a notification before it looks at the log anyway. */
const POLL_MS = 1000;

const WATCH_TYPES: Record<string, WatchEvent['type']> = {
  [ResourceEventType.Created]: 'ADDED',
  [ResourceEventType.Updated]: 'MODIFIED',
  [ResourceEventType.StatusUpdated]: 'MODIFIED',
  [ResourceEventType.DeletionRequested]: 'MODIFIED',
  [ResourceEventType.Deleted]: 'DELETED',
};

/**
 * A Kubernetes watch over the log: with "0" the current objects come first as ADDED (a list exact
 * at its resourceVersion, see listAtHead); without a resourceVersion only the changes from now on;
 * then every change after that point, in commit-safe log order, each once.
 */
export async function* watchResources(
  deps: { pool: Pool; notifier: EventNotifier; store: Pick<ResourceStore, 'list'> },
  query: ListQuery,
  fromResourceVersion: string | undefined,
  signal: AbortSignal,
  onStart: () => void = () => undefined,
): AsyncIterable<WatchEvent> {
  checkWatchResourceVersion(fromResourceVersion);
  const selector = LabelSelector.parse(query.labelSelector);
  let position: LogPosition;
  // Events already committed when a watch from now started, though past the head it starts from.
  let alreadyHappened = new Set<string>();
  if (fromResourceVersion === undefined) {
    const kind = findKindByName(query.kind);
    if (!kind) throw new BadRequestError(`no kind "${query.kind}" is registered`);
    const now = await listAtHead(deps.pool, kind, query.namespace, { catchUpMs: 0, withObjects: false });
    position = now.head;
    alreadyHappened = now.committedPastHead;
    onStart();
  } else if (fromResourceVersion === '0') {
    const list = await deps.store.list(query);
    position = (await logPositionOf(deps.pool, list.resourceVersion)) ?? LOG_START;
    onStart();
    for (const object of list.items) yield { type: 'ADDED', object };
  } else {
    const found = await logPositionOf(deps.pool, fromResourceVersion);
    if (!found) throw new ExpiredError(`too old resource version: ${fromResourceVersion}`);
    position = found;
    onStart();
  }
  const streamPrefix = `${RESOURCE_CATEGORY}:${query.kind}:`;
  while (!signal.aborted) {
    const batch = await readAllEvents(deps.pool, { after: position, categories: [RESOURCE_CATEGORY], limit: BATCH });
    for (const event of batch) {
      position = positionOf(event);
      if (!event.streamId.startsWith(streamPrefix)) continue;
      if (alreadyHappened.delete(event.globalPosition)) continue;
      const object = objectOfEvent(event);
      if (query.namespace && object.metadata.namespace !== query.namespace) continue;
      if (!selector.matches(object.metadata.labels) || !matchesFieldSelector(query.fieldSelector, object.metadata)) continue;
      if (signal.aborted) return;
      yield { type: WATCH_TYPES[event.type] ?? 'MODIFIED', object: redactSecret(object) };
    }
    if (batch.length < BATCH) await deps.notifier.wait(signal, POLL_MS, RESOURCE_CATEGORIES);
  }
}
