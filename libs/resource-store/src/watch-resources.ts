import type { Pool } from 'pg';
import { BadRequestError, ExpiredError, findKindByName } from '@kastra/api';
import { LOG_START, logPositionOf, positionOf, readAllEvents, type LogPosition, type RecordedEvent } from '@kastra/event-store';
import type { EventNotifier } from '@kastra/event-store';
import { LabelSelector, matchesFieldSelector } from './label-selector';
import { RESOURCE_CATEGORY, ResourceEventType } from './resource-events';
import { objectOfEvent } from './resource-projection';
import type { ListQuery, ResourceStore, WatchEvent } from './resource-store';
import { redactSecret } from './secret-data';
import { listAtHead } from './list-at-head';
import { checkWatchResourceVersion } from './watch-resource-version';
import { resourceEventTailOf, type TailMark, type TailSubscription } from './resource-event-tail';

const BATCH = 500;

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
 * then every change after that point, in commit-safe log order, each once. The changes come from
 * the process's shared tail of resource events (resource-event-tail.ts).
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
  const tail = resourceEventTailOf(deps.pool, deps.notifier);
  let subscription: TailSubscription | undefined;
  let caughtUpSince: TailMark | undefined;
  try {
    while (!signal.aborted) {
      // From the process's shared tail when it holds the events after `position`, else from the
      // log itself until it does (an old resourceVersion, or a watch that fell behind the tail).
      subscription ??= tail.join(position, caughtUpSince);
      let batch: RecordedEvent[] | undefined;
      if (subscription) {
        batch = await subscription.next(signal);
        if (!batch) {
          subscription.close();
          subscription = caughtUpSince = undefined;
          continue;
        }
      } else {
        const mark = tail.mark();
        batch = await readAllEvents(deps.pool, { after: position, categories: [RESOURCE_CATEGORY], limit: BATCH });
        caughtUpSince = batch.length < BATCH ? mark : undefined;
      }
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
    }
  } finally {
    subscription?.close();
  }
}
