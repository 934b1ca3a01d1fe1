import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import {
  SCRIPT_HARD_STOP_GRACE_MS,
  SCRIPT_MAX_MEMORY_MB,
  SCRIPT_MAX_MESSAGE_CHARS,
  SCRIPT_MAX_OUTPUT_BYTES,
  SCRIPT_MAX_STACK_KB,
  SCRIPT_SANDBOX_WORKERS,
  SCRIPT_WORKER_STACK_MB,
} from './script-sandbox-limits';
import { SCRIPT_SANDBOX_SOURCE } from './script-sandbox-source';

/** Why a script did not produce an output. */
export type ScriptFailure = 'timeout' | 'memory' | 'stack' | 'output' | 'script' | 'cancelled';

/** What one script run came to: its output as JSON text, or why it has none. */
export type ScriptOutcome = { ok: true; json: string } | { ok: false; failure: ScriptFailure; message: string };

export interface ScriptRequest {
  code: string;
  /** The input, already JSON text: nothing but text crosses into the engine. */
  inputJson: string;
  /**
   * The script's run time in its engine. Waiting for a free engine is not counted: a caller that
   * cannot wait bounds that with its signal.
   */
  timeoutMs: number;
  signal?: AbortSignal;
}

type WorkerMessage =
  | { ready: true }
  | { id: number; ok: true; json: string; retire: boolean }
  | { id: number; ok: false; failure: ScriptFailure; message: string; retire: boolean };

interface PendingCall {
  id: number;
  request: ScriptRequest;
  settle(outcome: ScriptOutcome): void;
  worker?: SandboxWorker;
  timer?: NodeJS.Timeout;
}

interface SandboxWorker {
  thread: Worker;
  /** Its engine is instantiated: a call sent now starts at once. */
  ready: boolean;
  call?: PendingCall;
}

// Not in the ES2022 lib this repository compiles against; Node has it.
const { WebAssembly: wasm } = globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<object> } };

/**
 * Script engines (QuickJS in WebAssembly, see script-sandbox-source.ts), one a worker thread, at
 * most `maxWorkers` at once; calls beyond that wait in order. A thread is kept for the next call
 * and does not keep the process alive while idle. One whose engine failed — memory, stack, time —
 * is terminated, which also gives its memory back, and a fresh one is started in its place. A
 * script that does not stop at its deadline has its thread terminated `graceMs` later; a cancelled
 * call at once. Whatever a script does, the outcome is a ScriptOutcome: the pool never throws.
 */
export class ScriptSandboxPool {
  private readonly workers = new Set<SandboxWorker>();
  private readonly queue: PendingCall[] = [];
  private nextId = 1;
  private wasmModule?: Promise<object>;
  private closed = false;

  constructor(private readonly options: { maxWorkers?: number; graceMs?: number } = {}) {}

  run(request: ScriptRequest): Promise<ScriptOutcome> {
    if (this.closed) return Promise.resolve(closedOutcome());
    if (request.signal?.aborted) return Promise.resolve(cancelledOutcome());
    return new Promise((resolve) => {
      const call: PendingCall = { id: this.nextId++, request, settle: () => undefined };
      const onAbort = () => this.stop(call, cancelledOutcome());
      call.settle = (outcome) => {
        call.settle = () => undefined;
        clearTimeout(call.timer);
        request.signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      request.signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(call);
      this.pump();
    });
  }

  /** Terminates every engine; calls still running or waiting end as cancelled. */
  async close(): Promise<void> {
    this.closed = true;
    for (const call of this.queue.splice(0)) call.settle(closedOutcome());
    await Promise.all([...this.workers].map((worker) => this.retire(worker, closedOutcome())));
  }

  /** Engine threads alive now, started or starting (for tests and benchmarks). */
  get size(): number {
    return this.workers.size;
  }

  private get maxWorkers(): number {
    return this.options.maxWorkers ?? SCRIPT_SANDBOX_WORKERS;
  }

  /** Hands waiting calls to ready engines, and starts engines for those that have none coming. */
  private pump(): void {
    while (this.queue.length > 0) {
      const idle = [...this.workers].find((w) => w.ready && !w.call);
      if (!idle) break;
      this.dispatch(idle, this.queue.shift()!);
    }
    const starting = [...this.workers].filter((w) => !w.ready).length;
    for (let waiting = this.queue.length - starting; waiting > 0 && this.workers.size < this.maxWorkers; waiting--) this.spawn();
  }

  private dispatch(worker: SandboxWorker, call: PendingCall): void {
    worker.call = call;
    call.worker = worker;
    worker.thread.ref();
    const { code, inputJson, timeoutMs } = call.request;
    worker.thread.postMessage({ id: call.id, code, inputJson, timeoutMs });
    // The engine stops itself at the deadline; one that does not is stopped from here.
    call.timer = setTimeout(() => this.stop(call, timedOutOutcome()), timeoutMs + (this.options.graceMs ?? SCRIPT_HARD_STOP_GRACE_MS));
  }

  private spawn(): SandboxWorker {
    this.wasmModule ??= readFile(require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm')).then((bytes) => wasm.compile(bytes));
    const thread = new Worker(SCRIPT_SANDBOX_SOURCE, {
      eval: true,
      workerData: {
        corePath: require.resolve('quickjs-emscripten-core'),
        variantPath: require.resolve('@jitl/quickjs-wasmfile-release-sync'),
        limits: {
          memoryBytes: SCRIPT_MAX_MEMORY_MB * 1024 * 1024,
          stackBytes: SCRIPT_MAX_STACK_KB * 1024,
          outputBytes: SCRIPT_MAX_OUTPUT_BYTES,
          messageChars: SCRIPT_MAX_MESSAGE_CHARS,
        },
      },
      env: {},
      // Kept from the host's own output (the thread writes nothing; read, the streams would keep the process alive).
      stdout: true,
      stderr: true,
      // The engine's memory is outside this heap; the heap holds the bindings and texts of at most the output's size.
      resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16, stackSizeMb: SCRIPT_WORKER_STACK_MB },
    });
    const worker: SandboxWorker = { thread, ready: false };
    this.workers.add(worker);
    void this.wasmModule.then(
      (wasmModule) => thread.postMessage({ wasmModule }),
      () => thread.postMessage({ wasmModule: undefined }),
    );
    thread.on('message', (message: WorkerMessage) => this.onMessage(worker, message));
    thread.on('error', (error: Error & { code?: string }) => {
      const outOfMemory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      void this.retire(worker, outOfMemory ? { ok: false, failure: 'memory', message: 'ran out of memory' } : { ok: false, failure: 'script', message: `the script engine failed (${error.message})` });
    });
    thread.on('exit', () => void this.retire(worker, { ok: false, failure: 'script', message: 'the script engine stopped without an answer' }));
    return worker;
  }

  private onMessage(worker: SandboxWorker, message: WorkerMessage): void {
    if ('ready' in message) {
      worker.ready = true;
      this.pump();
      // Starting, it kept the process alive for the calls waiting for it; idle, it does not.
      if (!worker.call) worker.thread.unref();
      return;
    }
    const call = worker.call;
    if (!call || call.id !== message.id) return;
    worker.call = undefined;
    call.settle(message.ok ? { ok: true, json: message.json } : { ok: false, failure: message.failure, message: message.message });
    if (message.retire) void this.retire(worker);
    else worker.thread.unref();
    this.pump();
  }

  /** Ends a call now: a running one takes its engine with it. */
  private stop(call: PendingCall, outcome: ScriptOutcome): void {
    const waiting = this.queue.indexOf(call);
    if (waiting >= 0) this.queue.splice(waiting, 1);
    if (call.worker && call.worker.call === call) void this.retire(call.worker, outcome);
    else call.settle(outcome);
  }

  private async retire(worker: SandboxWorker, outcome?: ScriptOutcome): Promise<void> {
    if (!this.workers.delete(worker)) return;
    const call = worker.call;
    worker.call = undefined;
    if (call && outcome) call.settle(outcome);
    if (!worker.ready && !this.closed) {
      // It failed to start; the next would too: the calls waiting for it fail rather than wait for ever.
      const reason = outcome && !outcome.ok ? outcome.message : 'it stopped';
      for (const waiting of this.queue.splice(0)) waiting.settle({ ok: false, failure: 'script', message: `the script engine could not start: ${reason}` });
    } else if (!this.closed && this.workers.size < this.maxWorkers && ![...this.workers].some((w) => !w.call)) {
      // A thread takes a few hundred ms to start: the next call should find one started already.
      this.spawn();
    }
    this.pump();
    await worker.thread.terminate().catch(() => undefined);
  }
}

function timedOutOutcome(): ScriptOutcome {
  return { ok: false, failure: 'timeout', message: 'did not finish in time' };
}

function cancelledOutcome(): ScriptOutcome {
  return { ok: false, failure: 'cancelled', message: 'cancelled' };
}

function closedOutcome(): ScriptOutcome {
  return { ok: false, failure: 'cancelled', message: 'the script sandbox is closed' };
}
