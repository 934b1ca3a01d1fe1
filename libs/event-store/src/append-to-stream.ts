import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { categoryOf, type EventMetadata, type NewEvent, type RecordedEvent } from './event';
import { StreamVersionConflictError } from './event-store-errors';
import { EVENTS_APPENDED_CHANNEL, isPool, trackedTransactionOf, wakeTailersAfterCommit } from './commit-wakes';
import { groupCommitOf, recordedEventsOf, type AppendedRecords, type InsertedEventRow, type PendingAppend } from './group-commit';
import { matchesExpectedVersion, NO_CONCURRENCY_CHECK, type ExpectedStreamVersion } from './expected-version';

/**
 * The whole append in one statement, so one round trip: read the stream's head, check the
 * expected version against it and insert the batch after it. When the check fails nothing is
 * inserted and the one row returned carries only the head. Two appends racing for the same
 * versions meet the unique constraint instead. Global positions and the transaction id are set by
 * Postgres. `wake` is the notify of the variant that wakes tailers inside the transaction.
 */
function appendEventsSql(wake: string): string {
  return `
WITH head AS (
  SELECT COALESCE(MAX(stream_version), 0)::bigint AS version FROM kastra_events WHERE stream_id = $1
), inserted AS (
  INSERT INTO kastra_events (event_id, stream_id, stream_version, category, type, data, metadata)
  SELECT e.event_id, $1, head.version + e.ordinal, $2, e.type, d.data, $3::jsonb
  FROM head, unnest($4::uuid[], $5::text[]) WITH ORDINALITY AS e(event_id, type, ordinal)
  JOIN jsonb_array_elements($6::jsonb) WITH ORDINALITY AS d(data, ordinal) USING (ordinal)
  WHERE CASE $7::text
    WHEN 'any' THEN true
    WHEN 'no_stream' THEN head.version = 0
    WHEN 'stream_exists' THEN head.version > 0
    ELSE head.version = $8::bigint
  END
  RETURNING global_position, transaction_id, event_id, stream_version, created_at
)${wake}
SELECT head.version::int AS head_version, i.global_position::text, i.transaction_id::text, i.event_id::text, i.stream_version::int, i.created_at
FROM head ${wake ? 'CROSS JOIN notified ' : ''}LEFT JOIN inserted AS i ON true
ORDER BY i.stream_version`;
}

/** Tailers are woken after the commit (see commit-wakes.ts). */
const APPEND_EVENTS_SQL = appendEventsSql('');

/**
 * For a client this module cannot see commit (a transaction of the caller's own, not
 * EventStore.transaction): the notify goes in the transaction, delivered when it commits. Correct,
 * but it serialises commits (see commit-wakes.ts).
 */
const APPEND_EVENTS_AND_NOTIFY_SQL = appendEventsSql(`, notified AS (
  SELECT count(pg_notify($9, $2)) AS wakes FROM (SELECT 1 FROM inserted LIMIT 1) AS any_inserted
)`);

const CURRENT_STREAM_VERSION_SQL = `SELECT COALESCE(MAX(stream_version), 0)::int AS version FROM kastra_events WHERE stream_id = $1`;

export type AppendResult = { nextExpectedStreamVersion: number; events: RecordedEvent[] };

/**
 * Appends events to one stream, in one round trip: on its own (a pool) or inside the caller's
 * transaction (a client), so projections can be updated atomically with it. Tailers are woken
 * once it has committed: at once for a pool (where concurrent appends share a commit: group-commit.ts),
 * when EventStore.transaction commits for its client;
 * a client of any other transaction wakes them from inside it (slower under concurrency). Throws
 * StreamVersionConflictError when the stream is not at the expected version, or when a
 * concurrent append took the same version (unique constraint) — which, inside a transaction,
 * leaves that transaction aborted: the caller rolls it back and retries in a new one.
 */
export async function appendToStream(
  db: Queryable,
  streamId: string,
  events: NewEvent[],
  options: { expectedVersion?: ExpectedStreamVersion; metadata?: EventMetadata } = {},
): Promise<AppendResult> {
  const expected = options.expectedVersion ?? NO_CONCURRENCY_CHECK;
  if (events.length === 0) {
    const { rows } = await db.query<{ version: number }>(CURRENT_STREAM_VERSION_SQL, [streamId]);
    if (!matchesExpectedVersion(rows[0].version, expected)) throw new StreamVersionConflictError(streamId, expected, rows[0].version);
    return { nextExpectedStreamVersion: rows[0].version, events: [] };
  }
  const append: PendingAppend = {
    streamId,
    category: categoryOf(streamId),
    events: events.map((e) => ({ ...e, eventId: e.eventId ?? randomUUID() })),
    expected,
    metadata: options.metadata ?? {},
  };
  const transaction = trackedTransactionOf(db);
  let appended: AppendedRecords;
  if (transaction) {
    appended = await appendAlone(db, append, false);
    transaction.add(append.category);
  } else if (isPool(db)) {
    // Its own transaction: concurrent ones share a commit (group-commit.ts).
    appended = await groupCommitOf(db, (a) => appendAlone(db, a, false)).append(append);
    wakeTailersAfterCommit(db, [append.category]);
  } else {
    appended = await appendAlone(db, append, true);
  }
  return { nextExpectedStreamVersion: appended.head + events.length, events: appended.events };
}

/** One append as one statement; `notify`: wake the tailers from inside its transaction. */
async function appendAlone(db: Queryable, append: PendingAppend, notify: boolean): Promise<AppendedRecords> {
  const { streamId, category, events, expected, metadata } = append;
  let rows: AppendedRow[];
  try {
    // Named: prepared once per connection, not parsed and planned again on every append.
    ({ rows } = await db.query<AppendedRow>({
      name: notify ? 'kastra_append_notify' : 'kastra_append',
      text: notify ? APPEND_EVENTS_AND_NOTIFY_SQL : APPEND_EVENTS_SQL,
      values: [
        streamId,
        category,
        JSON.stringify(metadata),
        events.map((e) => e.eventId),
        events.map((e) => e.type),
        // One JSON array, not a jsonb[]: a Postgres array literal escapes every quote of every event again.
        JSON.stringify(events.map((e) => e.data)),
        typeof expected === 'number' ? 'version' : expected,
        typeof expected === 'number' ? expected : null,
        ...(notify ? [EVENTS_APPENDED_CHANNEL] : []),
      ],
    }));
  } catch (error) {
    // Another append took these versions between our read of the head and our insert.
    if ((error as { constraint?: string }).constraint === 'kastra_events_stream_version_unique') {
      throw new StreamVersionConflictError(streamId, expected, undefined);
    }
    throw error;
  }
  const head = rows[0].head_version;
  if (rows[0].event_id === null) throw new StreamVersionConflictError(streamId, expected, head);
  return { head, events: recordedEventsOf(append, rows) };
}

/** A pool (the append is then a transaction of its own) or a client inside a transaction. */
export type Queryable = Pick<PoolClient, 'query'>;

interface AppendedRow extends InsertedEventRow {
  head_version: number;
}
