import type { Pool, PoolClient } from 'pg';
import type { RecordedEvent } from './event';
import { EVENT_COLUMNS, toRecordedEvent, type EventRow } from './event-row';
import { LOG_START, type LogPosition } from './log-position';

/**
 * See LogPosition: commit-safe order, never past the oldest in-flight transaction. ORDER BY names
 * the table's columns: unqualified, Postgres would sort by the selected `::text` aliases of the same
 * names, and '10000' sorts before '9999' — a batch would end early and the next one skip events.
 */
const READ_ALL_SQL = `
SELECT ${EVENT_COLUMNS} FROM kastra_events
WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
  AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
  AND ($4::text[] IS NULL OR category = ANY($4::text[]))
ORDER BY kastra_events.transaction_id, kastra_events.global_position
LIMIT $3`;

/**
 * READ_ALL_SQL, and whether events of the same filter have committed past the position but are
 * still held back by an older transaction in flight (anywhere on the server): `held_back`. The
 * batch's rows come with it; with no row readable, one row of nulls carries it.
 */
const READ_BATCH_SQL = `
WITH horizon AS (
  SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin
), waiting AS (
  SELECT EXISTS (
    SELECT 1 FROM kastra_events, horizon
    WHERE kastra_events.transaction_id >= horizon.xmin
      AND (kastra_events.transaction_id, kastra_events.global_position) > ($1::xid8, $2::bigint)
      AND ($4::text[] IS NULL OR kastra_events.category = ANY($4::text[]))
  ) AS held_back
), batch AS (
  SELECT kastra_events.* FROM kastra_events, horizon
  WHERE (kastra_events.transaction_id, kastra_events.global_position) > ($1::xid8, $2::bigint)
    AND kastra_events.transaction_id < horizon.xmin
    AND ($4::text[] IS NULL OR kastra_events.category = ANY($4::text[]))
  ORDER BY kastra_events.transaction_id, kastra_events.global_position
  LIMIT $3
)
SELECT waiting.held_back, ${EVENT_COLUMNS} FROM waiting LEFT JOIN batch ON true
ORDER BY batch.transaction_id, batch.global_position`;

/** The last event every reader can already see: the resourceVersion of a consistent list. */
const HEAD_SQL = `
SELECT transaction_id::text, global_position::text FROM kastra_events
WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY kastra_events.transaction_id DESC, kastra_events.global_position DESC LIMIT 1`;

const POSITION_OF_EVENT_SQL = `SELECT transaction_id::text, global_position::text FROM kastra_events WHERE global_position = $1`;

export interface ReadAllOptions {
  /** Exclusive. @default LOG_START */
  after?: LogPosition;
  /** @default 500 */
  limit?: number;
  /** Only these categories (e.g. `['resource']`). @default all */
  categories?: string[];
}

/** A commit-safe batch of the whole log. */
export async function readAllEvents(db: Pool | PoolClient, options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
  const after = options.after ?? LOG_START;
  const { rows } = await db.query<EventRow>(READ_ALL_SQL, [
    after.transactionId,
    after.globalPosition,
    options.limit ?? 500,
    options.categories ?? null,
  ]);
  return rows.map(toRecordedEvent);
}

export interface LogBatch {
  /** As readAllEvents. */
  events: RecordedEvent[];
  /**
   * Events (of the categories asked for) have committed past the batch but an older transaction
   * still in flight holds them back: read again in a few ms instead of waiting for the next append.
   */
  heldBack: boolean;
}

/** readAllEvents, and whether committed events wait behind an older transaction (a tailer's read). */
export async function readLogBatch(db: Pool | PoolClient, options: ReadAllOptions = {}): Promise<LogBatch> {
  const after = options.after ?? LOG_START;
  const { rows } = await db.query<EventRow & { held_back: boolean }>({
    name: 'kastra_read_log_batch',
    text: READ_BATCH_SQL,
    values: [after.transactionId, after.globalPosition, options.limit ?? 500, options.categories ?? null],
  });
  return { events: rows.filter((row) => row.event_id !== null).map(toRecordedEvent), heldBack: rows[0]?.held_back ?? false };
}

/**
 * How long a tailer whose events are held back sleeps before reading again: 1, 2, 4 … ms, at most
 * 16, so it reads them within a few ms of the older transaction's end; `attempt` counts from 0.
 */
export function heldBackRetryMs(attempt: number): number {
  return Math.min(16, 2 ** attempt);
}

/** The newest commit-safe position (LOG_START for an empty log). */
export async function readHeadPosition(db: Pool | PoolClient): Promise<LogPosition> {
  const { rows } = await db.query<{ transaction_id: string; global_position: string }>(HEAD_SQL);
  return rows[0] ? { transactionId: rows[0].transaction_id, globalPosition: rows[0].global_position } : LOG_START;
}

/** The largest global_position (a BIGINT): larger numbers are no event's, not a query to fail. */
const MAX_GLOBAL_POSITION = 9223372036854775807n;

/** The log position of the event at a global position (a resourceVersion); undefined if unknown. */
export async function logPositionOf(db: Pool | PoolClient, globalPosition: string): Promise<LogPosition | undefined> {
  if (!/^\d{1,19}$/.test(globalPosition) || globalPosition === '0' || BigInt(globalPosition) > MAX_GLOBAL_POSITION) return undefined;
  const { rows } = await db.query<{ transaction_id: string; global_position: string }>(POSITION_OF_EVENT_SQL, [globalPosition]);
  return rows[0] ? { transactionId: rows[0].transaction_id, globalPosition: rows[0].global_position } : undefined;
}
