/** Run time limit of a script when its spec sets none. @default 1000 ms */
export const DEFAULT_SCRIPT_TIMEOUT_MS = 1000;

/**
 * All the memory a script's engine has: its WebAssembly memory cannot grow past this, so QuickJS's
 * heap, strings, ArrayBuffers, its 5 MiB stack and its own data together stay under it.
 */
export const SCRIPT_MAX_MEMORY_MB = 64;

/** The engine's JavaScript call stack (about 2,500 plain calls deep). */
export const SCRIPT_MAX_STACK_KB = 256;

/** The largest output a script may return, as JSON text (UTF-8). */
export const SCRIPT_MAX_OUTPUT_BYTES = 1024 * 1024;

/** A script's error message is cut to this many characters. */
export const SCRIPT_MAX_MESSAGE_CHARS = 2000;

/** Engines (one a worker thread) a process runs at once; further calls wait for one. */
export const SCRIPT_SANDBOX_WORKERS = 4;

/**
 * How long past its deadline an engine may take to stop by itself (a long native operation, such
 * as building the stack trace of a deep recursion, checks the deadline only when it returns)
 * before its thread is terminated.
 */
export const SCRIPT_HARD_STOP_GRACE_MS = 500;

/** The worker thread's own V8 stack: the engine's C frames run on it, several times the size of its JS stack. */
export const SCRIPT_WORKER_STACK_MB = 32;
