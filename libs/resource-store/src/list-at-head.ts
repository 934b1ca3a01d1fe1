import type { Pool, PoolClient } from 'pg';
import type { KindDefinition, Resource } from '@kastra/api';
import { EVENT_COLUMNS, readHeadPosition, toRecordedEvent, type EventRow, type LogPosition } from '@kastra/event-store';
import { keyOfResourceStream, RESOURCE_CATEGORY, ResourceEventType } from './resource-events';
import { objectOfEvent } from './resource-projection';

/** How long a list waits for transactions older than its newest rows to end before it rewinds them. */
const CATCH_UP_MS = 200;
const CATCH_UP_POLL_MS = 5;

/** Events of the kind (and namespace) already committed but past the commit-safe head. */
const EVENTS_PAST_HEAD_SQL = `
SELECT stream_id, global_position::text FROM kastra_events
WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint) AND category = '${RESOURCE_CATEGORY}' AND stream_id LIKE $3`;

/** The latest event of each stream at or before the head: the object as it was there. */
const STATE_AT_HEAD_SQL = `
SELECT DISTINCT ON (stream_id) ${EVENT_COLUMNS} FROM kastra_events
WHERE stream_id = ANY($1::text[]) AND (transaction_id, global_position) <= ($2::xid8, $3::bigint)
ORDER BY stream_id, kastra_events.stream_version DESC`;

const LIST_SQL = `SELECT object FROM kastra_resources WHERE kind = $1 AND ($2::text IS NULL OR namespace = $2) ORDER BY namespace COLLATE "C", name COLLATE "C"`;

/** The same, after a key: the rest of a paged list. */
const LIST_AFTER_SQL = `SELECT object FROM kastra_resources WHERE kind = $1 AND ($2::text IS NULL OR namespace = $2)
AND (namespace COLLATE "C" > $3 OR (namespace = $3 AND name COLLATE "C" > $4)) ORDER BY namespace COLLATE "C", name COLLATE "C"`;

/** An object's place in a list: its namespace ('' for cluster-scoped kinds) and name. */
export interface ListKey {
  namespace: string;
  name: string;
}

export interface ListAtHead {
  /** The objects of the kind as of `head`, sorted by namespace and name (before selectors). */
  objects: Resource[];
  /** A list's resourceVersion: a watch from here delivers exactly the changes the list lacks. */
  head: LogPosition;
  /** Global positions of the kind's events committed at the time of the list but after `head`. */
  committedPastHead: Set<string>;
}

export interface ListAtHeadOptions {
  /** Wait up to this long for the head to pass the kind's newest events before rewinding. @default 200 */
  catchUpMs?: number;
  /** False when only the head and what is past it are wanted (a watch from now). @default true */
  withObjects?: boolean;
  /**
   * Read the objects as of this earlier head instead of the current one (a paged list's next
   * page): no waiting, the objects changed since are read back from the log as they were there.
   */
  at?: LogPosition;
  /** Only the objects after this key (a paged list's next page). */
  after?: ListKey;
}

/**
 * The objects of a kind exactly as of the log's commit-safe head. The projection can be ahead of
 * the head: a transaction that commits while an older one anywhere on the server is still open is
 * visible at once but sorts after the head, and a watch from the head would send its events again.
 * So the list waits briefly for the head to pass such rows (the usual case: another append ending),
 * and otherwise serves those few objects as they were at the head, read back from the log.
 */
export async function listAtHead(pool: Pool, kind: KindDefinition, namespace: string | undefined, options: ListAtHeadOptions = {}): Promise<ListAtHead> {
  const streamPrefix = `${RESOURCE_CATEGORY}:${kind.kind}:${namespace === undefined ? '' : `${namespace}:`}%`;
  const deadline = Date.now() + (options.catchUpMs ?? CATCH_UP_MS);
  for (;;) {
    const client = await pool.connect();
    try {
      // One snapshot for the rows, the head and the rewinding, so they agree.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const head = options.at ?? (await readHeadPosition(client));
      const { rows: ahead } = await client.query<{ stream_id: string; global_position: string }>(EVENTS_PAST_HEAD_SQL, [
        head.transactionId,
        head.globalPosition,
        streamPrefix,
      ]);
      if (ahead.length > 0 && !options.at && Date.now() < deadline) {
        await client.query('COMMIT');
        await new Promise((resolve) => setTimeout(resolve, CATCH_UP_POLL_MS));
        continue;
      }
      const after = options.after;
      const { rows } =
        options.withObjects === false
          ? { rows: [] }
          : after
            ? await client.query<{ object: Resource }>(LIST_AFTER_SQL, [kind.kind, namespace ?? null, after.namespace, after.name])
            : await client.query<{ object: Resource }>(LIST_SQL, [kind.kind, namespace ?? null]);
      const current = rows.map((r) => r.object);
      const rewound = ahead.length === 0 ? current : await rewind(client, current, [...new Set(ahead.map((r) => r.stream_id))], head);
      const objects = after && ahead.length > 0 ? rewound.filter((o) => isAfter(o, after)) : rewound;
      await client.query('COMMIT');
      return { objects, head, committedPastHead: new Set(ahead.map((r) => r.global_position)) };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

/** Replaces the objects of `streams` by their state at `head` (absent if not yet created or already deleted there). */
async function rewind(client: PoolClient, current: Resource[], streams: string[], head: LogPosition): Promise<Resource[]> {
  const { rows } = await client.query<EventRow>(STATE_AT_HEAD_SQL, [streams, head.transactionId, head.globalPosition]);
  const identity = (o: Resource) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  const rewound = new Map(current.map((o) => [identity(o), o]));
  for (const stream of streams) {
    const key = keyOfResourceStream(stream);
    if (key) rewound.delete(`${key.namespace}/${key.name}`);
  }
  for (const event of rows.map(toRecordedEvent)) {
    if (event.type !== ResourceEventType.Deleted) rewound.set(identity(objectOfEvent(event)), objectOfEvent(event));
  }
  return [...rewound.values()].sort((a, b) => compare(a.metadata.namespace ?? '', b.metadata.namespace ?? '') || compare(a.metadata.name, b.metadata.name));
}

function isAfter(object: Resource, key: ListKey): boolean {
  return (compare(object.metadata.namespace ?? '', key.namespace) || compare(object.metadata.name, key.name)) > 0;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
