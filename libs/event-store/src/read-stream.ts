import type { Pool, PoolClient } from 'pg';
import type { RecordedEvent } from './event';
import { toRecordedEvent, type EventRow, EVENT_COLUMNS } from './event-row';

const READ_STREAM_SQL = `SELECT ${EVENT_COLUMNS} FROM kastra_events WHERE stream_id = $1 AND stream_version > $2 ORDER BY kastra_events.stream_version`;

/** Every event of one stream after `afterVersion` (0 = from the start), in version order. */
export async function readStream(db: Pool | PoolClient, streamId: string, afterVersion = 0): Promise<RecordedEvent[]> {
  const { rows } = await db.query<EventRow>(READ_STREAM_SQL, [streamId, afterVersion]);
  return rows.map(toRecordedEvent);
}
