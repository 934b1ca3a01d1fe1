import { randomUUID } from 'node:crypto';
import { ToolExecutionError } from '../tool-errors';
import { ScriptSandboxPool } from './script-sandbox-pool';
import { runScriptTool } from './script-tool';

// What an escape would reach: the host's environment. Were any script to read it, it would show in its output or error.
const CANARY = `canary-${randomUUID()}`;
process.env.KASTRA_SCRIPT_CANARY = CANARY;

const pool = new ScriptSandboxPool();
afterAll(() => pool.close());

/** Runs a script and returns what came out of it — its output or its error message — as text. */
async function whatComesOut(code: string): Promise<string> {
  try {
    return JSON.stringify(await runScriptTool('attacker.escape', code, { a: 1 }, { timeoutMs: 2000, pool }));
  } catch (error) {
    expect(error).toBeInstanceOf(ToolExecutionError);
    return (error as Error).message;
  }
}

/** Host objects an escape is after; the attack scripts below report what they reached in these words. */
function expectNothingOfTheHost(text: string): void {
  expect(text).not.toContain(CANARY);
  expect(text).not.toContain('escaped');
  expect(text).not.toContain(String(process.pid));
}

// Each reaches for the host's Function to get `process`, then reads the JWT secret and the environment.
const STEAL = `
  const steal = (HostFunction) => {
    const proc = HostFunction('return process')();
    const secret = proc.mainModule.require('fs').readFileSync('.kastra/jwt-secret', 'utf8');
    return 'escaped pid=' + proc.pid + ' canary=' + proc.env.KASTRA_SCRIPT_CANARY + ' secret=' + secret;
  };`;

describe('the script sandbox against escapes', () => {
  it('a getter on globalThis.__kastraOutcome never runs with a host caller', async () => {
    // Given the escape that worked on the node:vm sandbox: a getter on the outcome slot the host
    // used to read, climbing from its caller to the host's Function
    const code = `${STEAL}
      Object.defineProperty(globalThis, '__kastraOutcome', {
        configurable: true,
        get: function () { return JSON.stringify({ ok: true, json: JSON.stringify(steal(arguments.callee.caller.constructor)) }); },
        set: function () {},
      });
      return 'waiting for the host to read __kastraOutcome';`;
    // When it runs, Then the host never reads the slot and nothing of it comes out
    const out = await whatComesOut(code);
    expect(out).toBe(JSON.stringify('waiting for the host to read __kastraOutcome'));
    expectNothingOfTheHost(out);
    // And read from inside, its caller chain ends in the engine
    const inside = await whatComesOut(`${code.replace("return 'waiting for the host to read __kastraOutcome';", '')} return globalThis.__kastraOutcome;`);
    expectNothingOfTheHost(inside);
  });

  it('Error.prepareStackTrace and frame.getThis() give nothing of the host', async () => {
    // Given the stack-frame escape: a prepareStackTrace whose frames' `this` is the host's
    const code = `${STEAL}
      Error.prepareStackTrace = (error, frames) => frames.map((frame) => {
        const self = frame.getThis();
        return self && self.constructor ? steal(self.constructor.constructor) : typeof self;
      }).join(',');
      const captured = new Error('probe').stack;
      throw new Error('stack: ' + captured);`;
    // When it runs, Then the engine never calls it (its stacks are its own text) and nothing of the host comes out
    const out = await whatComesOut(code);
    expect(out).toContain('stack:');
    expectNothingOfTheHost(out);
  });

  it.each([
    ['this.constructor.constructor', `return this.constructor.constructor('return process')().env.KASTRA_SCRIPT_CANARY`, "'process' is not defined"],
    ['input.constructor.constructor', `return input.constructor.constructor('return process')().pid`, "'process' is not defined"],
    ['async function constructor', `return (async () => {}).constructor('return process')()`, "'process' is not defined"],
    ['dynamic import', `const fs = await import('fs'); return fs.readFileSync('.kastra/jwt-secret', 'utf8')`, "could not load module 'fs'"],
    ['dynamic import of child_process', `const cp = await import('node:child_process'); return cp.execSync('id').toString()`, "could not load module 'node:child_process'"],
    ['require', `return require('fs').readFileSync('.kastra/master-key', 'utf8')`, "'require' is not defined"],
    ['globalThis.process', `return globalThis.process.env`, "cannot read property 'env' of undefined"],
  ])('%s reaches no host object', async (_name, code, why) => {
    // Given a script reaching for the host, When it runs, Then it fails for want of what it reached for
    const out = await whatComesOut(code);
    expect(out).toContain(why);
    expectNothingOfTheHost(out);
  });

  it('a toJSON or an error getter the host triggers runs inside the engine, with nothing of the host', async () => {
    // Given values whose serialisation and description run script code, called from the host's side
    const viaToJSON = await whatComesOut(`${STEAL} return { toJSON() { return steal(arguments.callee.caller.constructor); } };`);
    const viaMessage = await whatComesOut(`${STEAL} const e = {}; Object.defineProperty(e, 'message', { get() { return steal(arguments.callee.caller.constructor); } }); throw e;`);
    const viaThen = await whatComesOut(`${STEAL} return { then(resolve) { resolve(steal(resolve.constructor)); } };`);
    // Then each fails or returns harmlessly, and nothing of the host comes out
    for (const out of [viaToJSON, viaMessage, viaThen]) expectNothingOfTheHost(out);
    expect(viaThen).toContain("'process' is not defined");
  });

  it("the engine's global object holds ECMAScript's built-ins and nothing else", async () => {
    // When a script lists every global name
    const names = (await runScriptTool('attacker.globals', 'return Object.getOwnPropertyNames(globalThis)', null, { timeoutMs: 2000, pool })) as string[];
    // Then none is a host's
    for (const hostName of ['process', 'require', 'module', 'Buffer', 'console', 'setTimeout', 'setImmediate', 'queueMicrotask', 'fetch', 'WebAssembly', 'Atomics', 'global', '__kastraInput']) {
      expect(names).not.toContain(hostName);
    }
    expect(names).toEqual(expect.arrayContaining(['Object', 'JSON', 'Promise', 'Math', 'Date', 'Map', 'ArrayBuffer', 'eval']));
  });

  it('what one script leaves behind is not seen by the next', async () => {
    // Given a script that patches built-ins and leaves a global
    await whatComesOut(`globalThis.leftover = '${CANARY}'; JSON.parse = () => 'patched'; Object.prototype.polluted = true; return 1`);
    // When the next script runs, Then it sees a fresh engine
    await expect(runScriptTool('other.user', 'return [typeof leftover, JSON.parse("[1]"), ({}).polluted === undefined]', null, { timeoutMs: 2000, pool })).resolves.toEqual([
      'undefined',
      [1],
      true,
    ]);
  });
});
