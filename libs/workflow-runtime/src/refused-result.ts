import type { AttemptResult } from './step-scheduler';

/** The attempt's failure when the log refused its result. */
export function refusedResult(error: unknown): AttemptResult {
  const message = `the output could not be recorded: ${(error as Error).message ?? String(error)}`;
  return { ok: false, error: { type: 'OutputNotStorable', message }, retryable: true };
}
