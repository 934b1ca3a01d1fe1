/**
 * The worker's program, as source: a Worker started with `eval: true` runs the same code under
 * Jest (TypeScript) and from dist/ (JavaScript), with no worker file to locate.
 *
 * The user's code runs in a fresh vm context: its own builtins (Object, JSON, Promise, Math...),
 * no require, process, fetch, timers or console, and no eval/new Function. No host function ever
 * enters the context — not even as a `then` callback, since the code could patch
 * Promise.prototype.then to catch one and climb to the host's Function — so the outcome is left
 * in a context variable as a JSON string and read after the microtasks drained.
 */
export const SCRIPT_SANDBOX_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const vm = require('node:vm');
const context = vm.createContext(Object.create(null), { codeGeneration: { strings: false, wasm: false } });
context.__kastraInput = workerData.input;
const program =
  '(async function (input) {\\n' + workerData.code + '\\n})(JSON.parse(__kastraInput)).then(' +
  '(value) => { __kastraOutcome = JSON.stringify({ ok: true, json: JSON.stringify(value === undefined ? null : value) }); },' +
  '(error) => { __kastraOutcome = JSON.stringify({ ok: false, message: String(error && error.message !== undefined ? error.message : error) }); });';
let compiled = true;
try {
  vm.runInContext(program, context, { filename: 'spec.script.code' });
} catch (error) {
  compiled = false;
  parentPort.postMessage({ ok: false, message: 'script does not compile: ' + String(error && error.message) });
}
// Nothing in the context can wait on I/O or timers, so once the microtasks ran the outcome is known.
if (compiled) setImmediate(() => {
  let outcome;
  try {
    const text = context.__kastraOutcome;
    outcome = typeof text === 'string' ? JSON.parse(text) : { ok: false, message: 'the script never settled (it awaited something that cannot happen in the sandbox)' };
  } catch (error) {
    outcome = { ok: false, message: 'the script left an unreadable result' };
  }
  if (outcome.ok === true && typeof outcome.json !== 'string') outcome = { ok: false, message: 'the output is not JSON-serialisable' };
  parentPort.postMessage({ ok: outcome.ok === true, json: outcome.json, message: String(outcome.message ?? '') });
});
`;
