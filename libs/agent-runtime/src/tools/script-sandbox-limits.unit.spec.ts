import { ScriptSandboxPool } from './script-sandbox-pool';
import { runScriptTool } from './script-tool';

const MiB = 1024 * 1024;
const pool = new ScriptSandboxPool();
afterAll(() => pool.close());

const run = (code: string, timeoutMs = 2000, input: unknown = null) => runScriptTool('attacker.bomb', code, input, { timeoutMs, pool });
const rss = () => process.memoryUsage().rss;

/** The process is fine: an ordinary script still runs and answers. */
async function expectHealthy(): Promise<void> {
  await expect(run('return { sum: input.a + input.b }', 2000, { a: 2, b: 3 })).resolves.toEqual({ sum: 5 });
}

describe('script sandbox limits', () => {
  it.each([
    ['a 100 MiB string', `return 'x'.repeat(100 * 1024 * 1024)`],
    ['a 1 GiB ArrayBuffer', 'return new ArrayBuffer(1 << 30).byteLength'],
    // Each allocation under the limit, their sum far past it: QuickJS's own limit does not add them up in WebAssembly
    ['ArrayBuffers of 1 MiB kept until 2 GiB', 'const kept = []; for (let i = 0; i < 2048; i++) kept.push(new ArrayBuffer(1 << 20)); return kept.length'],
    ['strings of 1 MiB kept', `const kept = []; for (;;) kept.push('x'.repeat(1 << 20) + kept.length)`],
    ['arrays of a million numbers kept', 'const hoard = []; for (;;) hoard.push(new Array(1e6).fill(7))'],
  ])('%s fails the call with the memory limit, and the process stays healthy', async (_name, code) => {
    const before = rss();
    // When the script allocates past its limit, Then the call fails with the memory reason
    await expect(run(code, 10_000)).rejects.toMatchObject({ name: 'ToolExecutionError', reason: 'memory', message: expect.stringContaining('64 MiB memory limit') });
    // And the process did not take the allocation, and runs the next script
    expect(rss() - before).toBeLessThan(200 * MiB);
    await expectHealthy();
  });

  it('an infinite loop fails with the time limit', async () => {
    const started = Date.now();
    await expect(run('while (true) {}', 300)).rejects.toMatchObject({ reason: 'timeout', message: expect.stringContaining('within 300 ms') });
    expect(Date.now() - started).toBeLessThan(2000);
    await expectHealthy();
  });

  it('a loop of awaits fails with the time limit', async () => {
    await expect(run('for (;;) await null', 300)).rejects.toMatchObject({ reason: 'timeout' });
    await expectHealthy();
  });

  it('work the engine cannot interrupt is stopped from outside soon after the deadline', async () => {
    // Given a recursion that catches every stack overflow and recurses again: each overflow builds a deep stack trace
    const started = Date.now();
    await expect(run('function g(n) { try { return g(n + 1) + 1 } catch (e) { return g(n + 1) } } return g(0)', 500)).rejects.toMatchObject({ reason: 'timeout' });
    // Then it ends within the deadline plus the grace before its thread is terminated
    expect(Date.now() - started).toBeLessThan(3000);
    await expectHealthy();
  });

  it.each([
    ['a deep recursion', 'function f(n) { return f(n + 1) + 1 } return f(0)'],
    ['a recursion through toString', 'const o = {}; o.toString = function () { return String(this) }; return String(o)'],
    ['a deeply nested literal', `return eval('['.repeat(1e6) + ']'.repeat(1e6)).length`],
    ['a deeply nested JSON text', `return JSON.parse('['.repeat(1e6) + ']'.repeat(1e6)).length`],
  ])('%s fails with the stack limit', async (_name, code) => {
    await expect(run(code)).rejects.toMatchObject({ reason: 'stack', message: expect.stringContaining('call stack limit') });
    await expectHealthy();
  });

  it('an output over 1 MiB fails before it reaches the host', async () => {
    await expect(run(`return 'y'.repeat(2 * 1024 * 1024)`)).rejects.toMatchObject({ reason: 'output_too_large' });
    // multi-byte characters count as their UTF-8 bytes
    await expect(run(`return 'é'.repeat(600 * 1024)`)).rejects.toMatchObject({ reason: 'output_too_large' });
    await expect(run(`return 'y'.repeat(900 * 1024)`)).resolves.toHaveLength(900 * 1024);
  });

  it('an error message is cut to a bounded length', async () => {
    const error = (await run(`throw new Error('z'.repeat(10 * 1024 * 1024))`).catch((e: Error) => e)) as Error;
    expect(error.message.length).toBeLessThan(2100);
  });

  it('memory bombs running beside ordinary scripts fail alone, and never abort the process', async () => {
    // Given 3 memory bombs and 20 ordinary scripts started at once in one process
    const before = rss();
    const bombs = [1, 2, 3].map(() => run(`return 'x'.repeat(100 * 1024 * 1024)`, 10_000).then(() => 'finished', (e: { reason: string }) => e.reason));
    const hoarders = [1, 2, 3].map(() => run('const kept = []; for (;;) kept.push(new ArrayBuffer(1 << 20))', 10_000).then(() => 'finished', (e: { reason: string }) => e.reason));
    const ordinary = Array.from({ length: 20 }, (_, i) => run('await null; return { n: input.n, doubled: input.n * 2 }', 10_000, { n: i }));
    // Then every bomb fails with the memory limit and all 20 ordinary scripts succeed
    expect(await Promise.all([...bombs, ...hoarders])).toEqual(Array(6).fill('memory'));
    expect(await Promise.all(ordinary)).toEqual(Array.from({ length: 20 }, (_, i) => ({ n: i, doubled: i * 2 })));
    // And the process took none of the bombs' memory for itself
    expect(rss() - before).toBeLessThan(200 * MiB);
    await expectHealthy();
  });
});
