import { ToolExecutionError } from '../tool-errors';
import { SCRIPT_MAX_MEMORY_MB, SCRIPT_MAX_OUTPUT_BYTES } from './script-sandbox-limits';
import { ScriptSandboxPool, type ScriptOutcome } from './script-sandbox-pool';

let sharedPool: ScriptSandboxPool | undefined;

/** The process's script engines, started on the first script call. */
export function scriptSandboxPool(): ScriptSandboxPool {
  sharedPool ??= new ScriptSandboxPool();
  return sharedPool;
}

/**
 * Runs a script tool's `code` (the body of an async function of `input`) in a sandboxed engine
 * (QuickJS in WebAssembly, on a worker thread) with its memory, stack, time and output capped.
 * Resolves to the output; every failure, a script's or its limits', is a ToolExecutionError.
 */
export async function runScriptTool(
  label: string,
  code: string,
  input: unknown,
  options: { signal?: AbortSignal; timeoutMs: number; pool?: ScriptSandboxPool },
): Promise<unknown> {
  let inputJson: string | undefined;
  try {
    inputJson = JSON.stringify(input === undefined ? null : input);
  } catch {
    // left undefined: reported below
  }
  if (inputJson === undefined) throw new ToolExecutionError(label, 'bad_input', `tool ${label}: input is not JSON-serialisable`);
  const outcome = await (options.pool ?? scriptSandboxPool()).run({ code, inputJson, timeoutMs: options.timeoutMs, signal: options.signal });
  if (!outcome.ok) throw scriptError(label, outcome, options.timeoutMs);
  try {
    return JSON.parse(outcome.json);
  } catch {
    throw new ToolExecutionError(label, 'script', `tool ${label}: the output is not JSON`);
  }
}

function scriptError(label: string, outcome: Extract<ScriptOutcome, { ok: false }>, timeoutMs: number): ToolExecutionError {
  switch (outcome.failure) {
    case 'timeout':
      return new ToolExecutionError(label, 'timeout', `tool ${label}: script did not finish within ${timeoutMs} ms`, true);
    case 'memory':
      return new ToolExecutionError(label, 'memory', `tool ${label}: script exceeded its ${SCRIPT_MAX_MEMORY_MB} MiB memory limit`);
    case 'stack':
      return new ToolExecutionError(label, 'stack', `tool ${label}: script exceeded its call stack limit (recursion too deep)`);
    case 'output':
      return new ToolExecutionError(label, 'output_too_large', `tool ${label}: script output is larger than ${SCRIPT_MAX_OUTPUT_BYTES} bytes as JSON`);
    case 'cancelled':
      return new ToolExecutionError(label, 'cancelled', `tool ${label} was cancelled`);
    case 'script':
      return new ToolExecutionError(label, 'script', `tool ${label}: ${outcome.message}`);
  }
}
