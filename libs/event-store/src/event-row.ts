import type { RecordedEvent } from './event';

/**
 * The selected columns, as text where JavaScript numbers would lose precision. The aliases keep the
 * column names, so a query that orders by position must qualify them (`kastra_events.transaction_id`).
 */
export const EVENT_COLUMNS =
  'global_position::text, transaction_id::text, event_id::text, stream_id, stream_version::int, category, type, data, metadata, created_at';

export interface EventRow {
  global_position: string;
  transaction_id: string;
  event_id: string;
  stream_id: string;
  stream_version: number;
  category: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  created_at: Date;
}

export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    eventId: row.event_id,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    globalPosition: row.global_position,
    transactionId: row.transaction_id,
    category: row.category,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    createdAt: row.created_at.toISOString(),
  };
}
