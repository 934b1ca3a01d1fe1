import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { categoryOf, type EventMetadata, type NewEvent, type RecordedEvent } from './event';
import { StreamVersionConflictError } from './event-store-errors';
import { matchesExpectedVersion, NO_CONCURRENCY_CHECK, type ExpectedStreamVersion } from './expected-version';

const CURRENT_STREAM_VERSION_SQL = `SELECT COALESCE(MAX(stream_version), 0)::bigint AS version FROM kastra_events WHERE stream_id = $1`;

/** One round trip for the whole batch; global positions and transaction id are set by Postgres. */
const APPEND_EVENTS_SQL = `
INSERT INTO kastra_events (event_id, stream_id, stream_version, category, type, data, metadata)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::jsonb[], $7::jsonb[])
RETURNING global_position::text, transaction_id::text, event_id::text, stream_version::int, created_at`;

/** Wakes log tailers (relay, watches) in this and other processes once the transaction commits. */
export const EVENTS_APPENDED_CHANNEL = 'kastra_events_appended';

export type AppendResult = { nextExpectedStreamVersion: number; events: RecordedEvent[] };

/**
 * Appends events to one stream inside the caller's transaction (so projections can be updated
 * atomically with it). Throws StreamVersionConflictError when the stream is not at the expected
 * version, or when a concurrent append took the same version (unique constraint).
 */
export async function appendToStream(
  client: PoolClient,
  streamId: string,
  events: NewEvent[],
  options: { expectedVersion?: ExpectedStreamVersion; metadata?: EventMetadata } = {},
): Promise<AppendResult> {
  const expected = options.expectedVersion ?? NO_CONCURRENCY_CHECK;
  const { rows } = await client.query<{ version: string }>(CURRENT_STREAM_VERSION_SQL, [streamId]);
  const current = Number(rows[0].version);
  if (!matchesExpectedVersion(current, expected)) {
    throw new StreamVersionConflictError(streamId, expected, current);
  }
  const category = categoryOf(streamId);
  const metadata = JSON.stringify(options.metadata ?? {});
  const ids = events.map((e) => e.eventId ?? randomUUID());
  try {
    await client.query('SAVEPOINT kastra_append');
    const inserted = await client.query<{ global_position: string; transaction_id: string; event_id: string; stream_version: number; created_at: Date }>(
      APPEND_EVENTS_SQL,
      [
        ids,
        events.map(() => streamId),
        events.map((_, i) => current + i + 1),
        events.map(() => category),
        events.map((e) => e.type),
        events.map((e) => JSON.stringify(e.data)),
        events.map(() => metadata),
      ],
    );
    await client.query('RELEASE SAVEPOINT kastra_append');
    await client.query('SELECT pg_notify($1, $2)', [EVENTS_APPENDED_CHANNEL, category]);
    const recorded = inserted.rows.map((row, i) => ({
      eventId: row.event_id,
      streamId,
      streamVersion: row.stream_version,
      globalPosition: row.global_position,
      transactionId: row.transaction_id,
      category,
      type: events[i].type,
      data: events[i].data,
      metadata: options.metadata ?? {},
      createdAt: row.created_at.toISOString(),
    }));
    return { nextExpectedStreamVersion: current + events.length, events: recorded };
  } catch (error) {
    await client.query('ROLLBACK TO SAVEPOINT kastra_append').catch(() => undefined);
    if ((error as { constraint?: string }).constraint === 'kastra_events_stream_version_unique') {
      throw new StreamVersionConflictError(streamId, expected, undefined);
    }
    throw error;
  }
}
