import type { Pool } from 'pg';
import type { ThreadTurn } from '@kastra/network-runtime';

/** Earlier turns of a thread the router is shown (the most recent ones). */
export const MAX_THREAD_TURNS = 20;
/** Longest earlier task or answer kept, in characters. */
const MAX_TURN_CHARS = 4000;

// Runs of the namespace (their streams are `networkrun:<ns>:…`) that started on the network and
// thread and succeeded: each start with its answer.
const THREAD_SQL = `SELECT s.data->>'message' AS message, e.data->>'output' AS answer
  FROM kastra_events s
  JOIN kastra_events e ON e.stream_id = s.stream_id AND e.type = 'NetworkRunSucceeded'
  WHERE s.category = 'networkrun' AND s.type = 'NetworkRunStarted' AND s.stream_id LIKE $1
    AND s.data->>'network' = $2 AND s.data->>'threadId' = $3 AND s.stream_id NOT LIKE $4
  ORDER BY s.global_position DESC LIMIT $5`;

/** The thread's earlier tasks and final answers, oldest first: runs of it that succeeded before. */
export async function threadHistory(pool: Pool, q: { namespace: string; network: string; threadId: string; exceptRunUid: string }): Promise<ThreadTurn[]> {
  const { rows } = await pool.query<{ message: string | null; answer: string | null }>(THREAD_SQL, [
    `networkrun:${escapeLike(q.namespace)}:%`,
    q.network,
    q.threadId,
    `%:${escapeLike(q.exceptRunUid)}`,
    MAX_THREAD_TURNS,
  ]);
  return rows.reverse().map((row) => ({ message: cut(row.message ?? ''), answer: cut(row.answer ?? '') }));
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function cut(text: string): string {
  return text.length > MAX_TURN_CHARS ? `${text.slice(0, MAX_TURN_CHARS)}…` : text;
}
