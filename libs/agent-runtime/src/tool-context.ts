/** Reads one key of a Secret in clear (for http header values); undefined when missing. */
export type SecretLookup = (namespace: string, name: string, key: string) => Promise<string | undefined>;

/** What a tool run may use and must respect. */
export interface ToolContext {
  /** Cancels the run: the tool stops and fails with reason `cancelled`. */
  signal?: AbortSignal;
  /**
   * Stable across every attempt of the same logical call (a workflow step, a tool call of an
   * agent step); http tools send it as the `Idempotency-Key` header.
   */
  idempotencyKey?: string;
  secrets: SecretLookup;
  /** Wall-clock limit of one run. @default 30000 (script tools: their spec.script.timeoutMs, default 1000) */
  timeoutMs?: number;
}

export const DEFAULT_TOOL_TIMEOUT_MS = 30_000;
