import { EgressRefusedError, ResponseTooLargeError, TooManyRedirectsError } from '@kastra/egress';
import { ToolExecutionError } from '../tool-errors';

/**
 * The typed failure of a tool's connection: `cancelled`/`timeout` when its signal ended it,
 * `egress_refused`, `response_too_large` and `too_many_redirects` (running again cannot help),
 * else a retryable `network` error. `target` is what was called (method and URL without query);
 * no message quotes a response body.
 */
export function connectionFailure(label: string, target: string, error: unknown, signals: { caller?: AbortSignal; run: AbortSignal; timeoutMs: number }): ToolExecutionError {
  if (error instanceof ToolExecutionError) return error;
  const refused = findCause(error, EgressRefusedError);
  if (refused) return new ToolExecutionError(label, 'egress_refused', `tool ${label}: ${target} ${refused.message}`);
  const tooLarge = findCause(error, ResponseTooLargeError);
  if (tooLarge) return new ToolExecutionError(label, 'response_too_large', `tool ${label}: ${target} answered more than ${tooLarge.maxBytes} bytes (KASTRA_TOOL_MAX_RESPONSE_BYTES); the read was stopped`);
  const redirects = findCause(error, TooManyRedirectsError);
  if (redirects) return new ToolExecutionError(label, 'too_many_redirects', `tool ${label}: ${target} redirected more than ${redirects.limit} times`);
  if (signals.run.aborted) {
    return signals.caller?.aborted
      ? new ToolExecutionError(label, 'cancelled', `tool ${label} was cancelled`)
      : new ToolExecutionError(label, 'timeout', `tool ${label} did not finish within ${signals.timeoutMs} ms`, true);
  }
  const code = (error as { code?: string }).code;
  return new ToolExecutionError(label, 'network', `tool ${label}: ${target} failed: ${code ?? (error as Error).message}`, true);
}

/** `error` or one of its causes of class `type` (SDKs wrap what their fetch threw). */
export function findCause<T extends Error>(error: unknown, type: new (...args: never[]) => T): T | undefined {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    if (current instanceof type) return current;
  }
  return undefined;
}
