import { Worker } from 'node:worker_threads';
import { ToolExecutionError } from '../tool-errors';
import { SCRIPT_SANDBOX_SOURCE } from './script-sandbox-source';

/** Run time limit of a script when its spec sets none. @default 1000 ms */
export const DEFAULT_SCRIPT_TIMEOUT_MS = 1000;
/** Heap limit of one script run. */
export const SCRIPT_MAX_HEAP_MB = 64;

/**
 * Runs a script tool's `code` (the body of an async function of `input`) in a worker thread with
 * a heap limit; the time limit is enforced by terminating the worker, which stops even a busy loop.
 */
export function runScriptTool(label: string, code: string, input: unknown, options: { signal?: AbortSignal; timeoutMs: number }): Promise<unknown> {
  let inputJson: string;
  try {
    inputJson = JSON.stringify(input === undefined ? null : input);
  } catch {
    return Promise.reject(new ToolExecutionError(label, 'bad_input', `tool ${label}: input is not JSON-serialisable`));
  }
  return new Promise((resolve, reject) => {
    const worker = new Worker(SCRIPT_SANDBOX_SOURCE, {
      eval: true,
      workerData: { code, input: inputJson },
      env: {},
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: SCRIPT_MAX_HEAP_MB, maxYoungGenerationSizeMb: 16, codeRangeSizeMb: 16, stackSizeMb: 4 },
    });
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      outcome();
    };
    const timer = setTimeout(
      () => finish(() => reject(new ToolExecutionError(label, 'timeout', `tool ${label}: script did not finish within ${options.timeoutMs} ms`, true))),
      options.timeoutMs,
    );
    const onAbort = () => finish(() => reject(new ToolExecutionError(label, 'cancelled', `tool ${label} was cancelled`)));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: { ok: boolean; json?: string; message?: string }) =>
      finish(() => {
        if (message.ok && typeof message.json === 'string') resolve(JSON.parse(message.json));
        else reject(new ToolExecutionError(label, 'script', `tool ${label}: ${message.message ?? 'script failed'}`));
      }),
    );
    worker.on('error', (error: Error & { code?: string }) =>
      finish(() => {
        const outOfMemory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
        reject(
          new ToolExecutionError(
            label,
            outOfMemory ? 'memory' : 'script',
            outOfMemory ? `tool ${label}: script exceeded its ${SCRIPT_MAX_HEAP_MB} MB memory limit` : `tool ${label}: ${error.message}`,
          ),
        );
      }),
    );
    worker.on('exit', (exitCode) =>
      finish(() => reject(new ToolExecutionError(label, 'script', `tool ${label}: script worker exited (${exitCode}) without an answer`))),
    );
  });
}
