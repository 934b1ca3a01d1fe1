import type { Pool, PoolClient } from 'pg';

/**
 * Runs `work` and records the event as handled in one transaction, so a redelivered event (after
 * a crash between commit and ack, or a relay re-publish) is skipped: effects happen exactly once.
 * Returns false when the event had been handled already.
 */
export async function handleOnce(pool: Pool, consumer: string, eventId: string, work: (client: PoolClient) => Promise<void>): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const claimed = await client.query('INSERT INTO kastra_handled_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [consumer, eventId]);
    if (claimed.rowCount === 0) {
      await client.query('ROLLBACK');
      return false;
    }
    await work(client);
    await client.query('COMMIT');
    return true;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
