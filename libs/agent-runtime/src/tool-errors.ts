import type { FieldCause } from '@kastra/api';

/** The input given to a tool does not match its inputSchema; the tool did not run. */
export class ToolInputError extends Error {
  override readonly name = 'ToolInputError';
  constructor(readonly tool: string, readonly causes: FieldCause[]) {
    super(`invalid input for tool ${tool}: ${causes.map((c) => `${c.field}: ${c.message}`).join('; ')}`);
  }
}

/** The tool ran and failed (or timed out, or was cancelled). */
export class ToolExecutionError extends Error {
  override readonly name = 'ToolExecutionError';
  constructor(
    readonly tool: string,
    /** timeout | cancelled | http_status | network | script | mcp | bad_output | unsupported | secret_missing | secret_forbidden | egress_refused | not_in_network | state_conflict … */
    readonly reason: string,
    message: string,
    /** Whether running it again may succeed (timeouts, 5xx, network errors). */
    readonly retryable = false,
  ) {
    super(message);
  }
}

/** What the model sees when a tool fails: `{"error": {...}}`. */
export function toolErrorPayload(error: unknown): { error: { type: string; message: string; reason?: string } } {
  if (error instanceof ToolInputError) return { error: { type: error.name, message: error.message } };
  if (error instanceof ToolExecutionError) return { error: { type: error.name, reason: error.reason, message: error.message } };
  return { error: { type: 'Error', message: error instanceof Error ? error.message : String(error) } };
}
