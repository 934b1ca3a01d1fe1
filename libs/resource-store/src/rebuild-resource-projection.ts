import type { Pool } from 'pg';
import { EVENT_COLUMNS, toRecordedEvent, type EventRow } from '@kastra/event-store';
import { RESOURCE_CATEGORY } from './resource-events';
import { projectResourceEvents } from './resource-projection';

/**
 * Throws the resource read model away and replays it from the log. Writers wait on the table
 * lock meanwhile, so the rebuilt state is exactly the log's.
 */
export async function rebuildResourceProjection(pool: Pool): Promise<{ streams: number; events: number }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('LOCK TABLE kastra_resources, kastra_resource_references, kastra_resource_owners IN EXCLUSIVE MODE');
    await client.query('DELETE FROM kastra_resource_references');
    await client.query('DELETE FROM kastra_resource_owners');
    await client.query('DELETE FROM kastra_resources');
    const { rows } = await client.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM kastra_events WHERE category = $1 ORDER BY kastra_events.stream_id, kastra_events.stream_version`,
      [RESOURCE_CATEGORY],
    );
    const events = rows.map(toRecordedEvent);
    // Only each stream's last event decides its row; replaying them all keeps the code path single.
    await projectResourceEvents(client, events);
    await client.query('COMMIT');
    return { streams: new Set(events.map((e) => e.streamId)).size, events: events.length };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
