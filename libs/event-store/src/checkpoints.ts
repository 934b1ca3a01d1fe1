import type { Pool, PoolClient } from 'pg';
import { LOG_START, type LogPosition } from './log-position';

export async function readCheckpoint(db: Pool | PoolClient, name: string): Promise<LogPosition> {
  const { rows } = await db.query<{ transaction_id: string; position: string }>(
    'SELECT transaction_id::text, position::text FROM kastra_checkpoints WHERE name = $1',
    [name],
  );
  return rows[0] ? { transactionId: rows[0].transaction_id, globalPosition: rows[0].position } : LOG_START;
}

export async function storeCheckpoint(db: Pool | PoolClient, name: string, position: LogPosition): Promise<void> {
  await db.query(
    `INSERT INTO kastra_checkpoints (name, transaction_id, position) VALUES ($1, $2::xid8, $3)
     ON CONFLICT (name) DO UPDATE SET transaction_id = EXCLUDED.transaction_id, position = EXCLUDED.position, updated_at = now()
     WHERE (kastra_checkpoints.transaction_id, kastra_checkpoints.position) < (EXCLUDED.transaction_id, EXCLUDED.position)`,
    [name, position.transactionId, position.globalPosition],
  );
}
