/**
 * The program of a script sandbox thread, as source: a Worker started with `eval: true` runs the
 * same code under Jest (TypeScript) and from dist/ (JavaScript), with no worker file to locate.
 *
 * Scripts run in QuickJS compiled to WebAssembly: a separate JavaScript engine whose whole world is
 * its own linear memory. Nothing of this thread is handed to it — no function, no object — so no
 * chain of constructors, getters, stack frames or module loading leads out of it; the one callback
 * the engine makes (the interrupt check) takes and returns numbers. Input goes in and the output
 * comes out as JSON text, read only after its length was checked.
 *
 * Limits are the engine's own: its WebAssembly memory has a fixed maximum (QuickJS's memory limit
 * alone bounds single allocations only, not their sum, in WebAssembly builds), its JS stack is
 * capped, and an interrupt handler stops it at the deadline. Each call gets a fresh runtime, so
 * nothing a script leaves behind is seen by the next. After a memory, stack, time or engine
 * failure the thread asks to be retired: an interrupted QuickJS runtime is not safe to reuse.
 * The next call's runtime is made while the thread waits, so a warm call pays for its script only.
 *
 * Messages: in, first `{ wasmModule }` (undefined: the variant loads its own), answered
 * `{ ready: true }`; then calls `{ id, code, inputJson, timeoutMs }`, answered `{ id, ok: true, json }`
 * or `{ id, ok: false, failure, message, retire }` (failure: timeout | memory | stack | output | script).
 */
export const SCRIPT_SANDBOX_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
// Emscripten reports an engine abort on console.error, which a worker would forward to the host's stderr.
for (const name of ['log', 'info', 'warn', 'error', 'debug', 'trace']) console[name] = () => {};
const { newQuickJSWASMModuleFromVariant, newVariant } = require(workerData.corePath);
const baseVariant = require(workerData.variantPath).default;
const limits = workerData.limits;
const WASM_PAGE_BYTES = 65536;
// The variant's module declares a 16 MiB initial memory; an imported memory may not be smaller.
const INITIAL_PAGES = 256;

// Captured before any script runs, and never reachable from one: parse the input, serialise the
// output, measure it, and describe a thrown value in bounded text.
const HELPERS = '(() => {' +
  'const parse = JSON.parse, stringify = JSON.stringify, toText = String;' +
  'const cut = Function.prototype.call.bind(String.prototype.slice);' +
  'const MAX = ' + limits.messageChars + ';' +
  'return [' +
  '  (text) => parse(text),' +
  '  (value) => stringify(value === undefined ? null : value),' +
  '  (value) => typeof value === "string" ? value.length : -1,' +
  '  (error) => {' +
  '    try {' +
  '      if (typeof error === "object" && error !== null && "message" in error) {' +
  '        const name = toText(error.name), message = toText(error.message);' +
  '        return cut(name === "Error" || name === "undefined" ? message : name + ": " + message, 0, MAX);' +
  '      }' +
  '      return cut(toText(error), 0, MAX);' +
  '    } catch { return "the script threw a value that cannot be read as text"; }' +
  '  },' +
  '];' +
'})()';

// The engine's code, compiled once a process, comes in the first message; calls may arrive before it.
let wasmModuleArrived;
const wasmModule = new Promise((resolve) => (wasmModuleArrived = resolve));

let engine;
function engineOf() {
  engine ??= (async () => {
    const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: limits.memoryBytes / WASM_PAGE_BYTES });
    const module = await newQuickJSWASMModuleFromVariant(newVariant(baseVariant, { wasmModule: await wasmModule, wasmMemory: memory }));
    return { module, memory };
  })();
  return engine;
}

class Failure {
  constructor(failure, message, retire) {
    this.failure = failure;
    this.message = message;
    this.retire = retire;
  }
}

// A runtime and context made while the thread is idle, helpers in place: a call starts with its script.
let prepared;
function prepare(module) {
  const runtime = module.newRuntime();
  runtime.setMemoryLimit(limits.memoryBytes);
  runtime.setMaxStackSize(limits.stackBytes);
  const slot = { runtime, deadline: Infinity, handles: [] };
  runtime.setInterruptHandler(() => Date.now() >= slot.deadline);
  slot.context = runtime.newContext();
  const helpers = slot.context.unwrapResult(slot.context.evalCode(HELPERS, 'kastra-helpers.js'));
  slot.handles.push(helpers);
  slot.helpers = [0, 1, 2, 3].map((i) => slot.context.getProp(helpers, i));
  slot.handles.push(...slot.helpers);
  return slot;
}

function run(module, memory, request) {
  const slot = prepared ?? prepare(module);
  prepared = undefined;
  slot.deadline = Date.now() + request.timeoutMs;
  const pastDeadline = () => Date.now() >= slot.deadline;
  const { runtime, context, handles } = slot;
  const [parse, stringify, measure, describe] = slot.helpers;
  const keep = (handle) => (handles.push(handle), handle);
  // A failed engine call: the value it threw, described by the script's own rules, or a verdict.
  const failureOf = (errorHandle, describer, what) => {
    keep(errorHandle);
    if (pastDeadline()) return new Failure('timeout', 'did not finish in time', true);
    let text;
    if (describer) {
      const described = context.callFunction(describer, context.undefined, errorHandle);
      if (described.error) keep(described.error);
      else text = context.typeof(keep(described.value)) === 'string' ? context.getString(described.value) : undefined;
    }
    if (text === 'InternalError: out of memory' || (text === undefined && memory.buffer.byteLength >= limits.memoryBytes - 4 * 1024 * 1024)) {
      return new Failure('memory', 'ran out of memory', true);
    }
    // The parser reports its own recursion limit as a SyntaxError.
    if (text === 'InternalError: stack overflow' || text === 'SyntaxError: stack overflow') return new Failure('stack', 'exceeded its call stack', true);
    if (pastDeadline()) return new Failure('timeout', 'did not finish in time', true);
    return new Failure('script', what + (text ?? 'the script failed'), false);
  };
  let outcome;
  try {
    const inputText = keep(context.newString(request.inputJson));
    const input = context.callFunction(parse, context.undefined, inputText);
    if (input.error) throw failureOf(input.error, undefined, 'the input could not be read: ');
    keep(input.value);
    const compiled = context.evalCode('(async function (input) {\n' + request.code + '\n})', 'spec.script.code');
    if (compiled.error) throw failureOf(compiled.error, describe, 'script does not compile: ');
    if (context.typeof(keep(compiled.value)) !== 'function') throw new Failure('script', 'script does not compile: it is not the body of a function', false);
    const called = context.callFunction(compiled.value, context.undefined, input.value);
    if (called.error) throw failureOf(called.error, describe, '');
    keep(called.value);
    // Nothing in the engine waits on I/O or timers: once its jobs ran, the promise has settled or never will.
    while (runtime.hasPendingJob() && !pastDeadline()) {
      const ran = runtime.executePendingJobs();
      if (ran.error) keep(ran.error);
    }
    const state = context.getPromiseState(called.value);
    if (state.type === 'pending') {
      throw pastDeadline()
        ? new Failure('timeout', 'did not finish in time', true)
        : new Failure('script', 'the script never settled (it awaited something that cannot happen in the sandbox)', false);
    }
    if (state.type === 'rejected') throw failureOf(state.error, describe, '');
    if (!state.notAPromise) keep(state.value);
    const serialised = context.callFunction(stringify, context.undefined, state.value);
    if (serialised.error) throw failureOf(serialised.error, describe, 'the output is not JSON-serialisable: ');
    const json = keep(serialised.value);
    const measured = context.callFunction(measure, context.undefined, json);
    if (measured.error) throw failureOf(measured.error, undefined, '');
    const length = context.getNumber(keep(measured.value));
    if (length < 0) throw new Failure('script', 'the output is not JSON-serialisable', false);
    // A UTF-8 byte per character at least: a longer text is too large without being read.
    if (length > limits.outputBytes) throw new Failure('output', 'its output is larger than the limit', false);
    const text = context.getString(json);
    if (Buffer.byteLength(text) > limits.outputBytes) throw new Failure('output', 'its output is larger than the limit', false);
    outcome = { ok: true, json: text };
  } catch (error) {
    outcome = error instanceof Failure ? error : engineFailure(error);
  }
  try {
    for (const handle of handles.reverse()) if (handle.alive) handle.dispose();
    context.dispose();
    runtime.dispose();
  } catch {
    // An interrupted runtime may fail QuickJS's own leak check when freed: this engine is done.
    if (outcome.ok) outcome = { ok: true, json: outcome.json, retire: true };
    else outcome.retire = true;
  }
  return outcome;
}

// The host ran out of native stack inside the engine, or the engine aborted: its state is lost.
function engineFailure(error) {
  const text = String(error && error.message);
  if (error instanceof RangeError && /call stack/i.test(text)) return new Failure('stack', 'exceeded its call stack', true);
  return new Failure('script', 'the script engine failed (' + text.slice(0, 200) + ')', true);
}

parentPort.on('message', async (request) => {
  // The engine is started before any call is sent, so that a call's time is all its own.
  if ('wasmModule' in request) {
    wasmModuleArrived(request.wasmModule);
    // A failed start is reported to the call that finds it.
    await engineOf().then(({ module }) => (prepared = prepare(module))).catch(() => undefined);
    return parentPort.postMessage({ ready: true });
  }
  let outcome;
  try {
    const { module, memory } = await engineOf();
    outcome = run(module, memory, request);
  } catch (error) {
    outcome = engineFailure(error);
  }
  if (outcome.ok) parentPort.postMessage({ id: request.id, ok: true, json: outcome.json, retire: outcome.retire === true });
  else parentPort.postMessage({ id: request.id, ok: false, failure: outcome.failure, message: outcome.message, retire: outcome.retire === true });
  if (!outcome.retire) setImmediate(prepareNext);
});

function prepareNext() {
  engineOf().then(({ module }) => (prepared ??= prepare(module))).catch(() => undefined);
}
`;
