import type { Pool } from 'pg';
import { LlmCallError } from '../calls/llm-call-error';
import { LLM_CALL_RECORDED } from './llm-call-recorded';

/** One row of `/api/v1/llm/usage`: a user's calls of one model on one UTC day. */
export interface UsageRow {
  day: string;
  user: string;
  model: string;
  requests: number;
  /** Calls that failed or were cancelled (refusals by the proxy's limits are counted apart). */
  errors: number;
  /** Calls refused by the proxy's own user or model limit (nothing went upstream). */
  rateLimited: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  /** Sum over the priced calls; null when none was priced. */
  costUsd: number | null;
  costCny: number | null;
  /** Calls of models without a price: their cost is unknown, not zero. */
  unpricedRequests: number;
}

/** Range scan on the usage day streams (the (stream_id, stream_version) unique index). */
const USAGE_REPORT_SQL = `
SELECT substr(stream_id, 7) AS day, data->>'user' AS "user", data->>'model' AS model,
       count(*)::int AS requests,
       count(*) FILTER (WHERE data->>'status' NOT IN ('ok', 'rate_limited'))::int AS errors,
       count(*) FILTER (WHERE data->>'status' = 'rate_limited')::int AS rate_limited,
       coalesce(sum((data->>'promptTokens')::bigint), 0)::bigint AS prompt_tokens,
       coalesce(sum((data->>'completionTokens')::bigint), 0)::bigint AS completion_tokens,
       coalesce(sum((data->>'cachedTokens')::bigint), 0)::bigint AS cached_tokens,
       sum((data->>'costUsd')::numeric) AS cost_usd,
       sum((data->>'costCny')::numeric) AS cost_cny,
       count(*) FILTER (WHERE (data->>'priced')::boolean IS NOT TRUE AND data->>'status' <> 'rate_limited')::int AS unpriced_requests
FROM kastra_events
WHERE stream_id >= $1 AND stream_id <= $2 AND category = 'usage' AND type = $3
  AND ($4::text IS NULL OR data->>'user' = $4)
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3`;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DEFAULT_DAYS = 30;

/** `from`/`to` (inclusive UTC days, `yyyy-mm-dd`); defaults to the last 30 days. */
export function usageRange(from: unknown, to: unknown, now = new Date()): { from: string; to: string } {
  const today = now.toISOString().slice(0, 10);
  const check = (value: unknown, name: string, fallback: string): string => {
    if (value === undefined || value === '') return fallback;
    if (typeof value !== 'string' || !DAY.test(value) || Number.isNaN(Date.parse(value))) {
      throw new LlmCallError(400, 'invalid_request', `${name} must be a day as yyyy-mm-dd`);
    }
    return value;
  };
  const end = check(to, 'to', today);
  const start = check(from, 'from', new Date(Date.parse(end) - (DEFAULT_DAYS - 1) * 86_400_000).toISOString().slice(0, 10));
  if (start > end) throw new LlmCallError(400, 'invalid_request', 'from must not be after to');
  return { from: start, to: end };
}

/** Aggregates the LlmCallRecorded events per user, model and day. */
export async function usageReport(pool: Pool, range: { from: string; to: string }, user?: string): Promise<UsageRow[]> {
  const { rows } = await pool.query(USAGE_REPORT_SQL, [`usage:${range.from}`, `usage:${range.to}`, LLM_CALL_RECORDED, user ?? null]);
  return rows.map((row) => ({
    day: row.day,
    user: row.user,
    model: row.model,
    requests: row.requests,
    errors: row.errors,
    rateLimited: row.rate_limited,
    promptTokens: Number(row.prompt_tokens),
    completionTokens: Number(row.completion_tokens),
    cachedTokens: Number(row.cached_tokens),
    costUsd: row.cost_usd === null ? null : Number(row.cost_usd),
    costCny: row.cost_cny === null ? null : Number(row.cost_cny),
    unpricedRequests: row.unpriced_requests,
  }));
}
