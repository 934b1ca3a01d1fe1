import type { Pool } from 'pg';

/** Tokens and cost of a run's model calls: the sum of the llm-proxy's usage events naming the run. */
export interface RunUsageTotals {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  costUsd: number;
}

// The predicate matches the partial index kastra_events_usage_run.
const RUN_USAGE_SQL = `SELECT count(*)::int AS calls,
    coalesce(sum((data->>'promptTokens')::bigint), 0)::text AS prompt,
    coalesce(sum((data->>'completionTokens')::bigint), 0)::text AS completion,
    coalesce(sum((data->>'costUsd')::numeric), 0)::text AS cost
  FROM kastra_events WHERE category = 'usage' AND data ? 'runUid' AND data->>'runUid' = $1`;

/**
 * The usage of the run `runUid` recorded so far. The llm-proxy appends usage events in batches
 * shortly after each call (about 100 ms), so a total read right as a run ends may miss its last
 * calls; a host reads it again a little later.
 */
export async function runUsage(pool: Pool, runUid: string): Promise<RunUsageTotals> {
  const { rows } = await pool.query<{ calls: number; prompt: string; completion: string; cost: string }>(RUN_USAGE_SQL, [runUid]);
  const row = rows[0];
  const promptTokens = Number(row?.prompt ?? 0);
  const completionTokens = Number(row?.completion ?? 0);
  return { calls: row?.calls ?? 0, promptTokens, completionTokens, totalTokens: promptTokens + completionTokens, costUsd: Math.round(Number(row?.cost ?? 0) * 1e6) / 1e6 };
}
