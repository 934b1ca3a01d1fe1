import { ToolExecutionError } from '../tool-errors';

/** The caller's signal combined with the tool's time limit. */
export function toolSignal(signal: AbortSignal | undefined, timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

/** Turns an abort into the typed failure: `timeout` when the limit hit, else `cancelled`. */
export function abortFailure(label: string, signal: AbortSignal | undefined, timeoutMs: number, error: unknown): ToolExecutionError | undefined {
  const name = (error as { name?: string })?.name;
  if (name !== 'AbortError' && name !== 'TimeoutError') return undefined;
  if (signal?.aborted) return new ToolExecutionError(label, 'cancelled', `tool ${label} was cancelled`);
  return new ToolExecutionError(label, 'timeout', `tool ${label} did not finish within ${timeoutMs} ms`, true);
}
