import { executeTool } from '../execute-tool';
import { resource } from '../testing-fakes';

const ctx = { secrets: async () => undefined };
const script = (code: string, timeoutMs?: number) => resource('Tool', 'script', { script: { code, ...(timeoutMs ? { timeoutMs } : {}) } });

describe('script tools', () => {
  it('returns what the async function body returns', async () => {
    await expect(executeTool(script('return { sum: input.a + input.b }'), { a: 2, b: 3 }, ctx)).resolves.toEqual({ sum: 5 });
    await expect(executeTool(script('await null; return [input, typeof Math.max]'), 'hi', ctx)).resolves.toEqual(['hi', 'function']);
  });

  it('runs the recipe-finder script of examples/', async () => {
    const code = `const text = (typeof input === 'string' ? input : JSON.stringify(input ?? '')).toLowerCase();
const catalogue = [{ name: 'Tomato soup', needs: ['tomato', 'onion'] }, { name: 'Garlic fried rice', needs: ['rice', 'garlic', 'egg'] }];
return { recipes: catalogue.filter((r) => r.needs.some((n) => text.includes(n))) };`;
    await expect(executeTool(script(code), { ingredients: 'tomato, onion' }, ctx)).resolves.toEqual({ recipes: [{ name: 'Tomato soup', needs: ['tomato', 'onion'] }] });
  });

  it('kills a script that runs past its time limit', async () => {
    const started = Date.now();
    await expect(executeTool(script('while (true) {}', 300), {}, ctx)).rejects.toMatchObject({ name: 'ToolExecutionError', reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
    // a caller's (shorter) limit wins over the spec's
    await expect(executeTool(script('for (;;) await null', 5000), {}, { ...ctx, timeoutMs: 200 })).rejects.toMatchObject({ reason: 'timeout' });
  });

  it('stops a script that exceeds its memory limit', async () => {
    await expect(executeTool(script('const hoard = []; for (;;) hoard.push(new Array(1e6).fill(7));', 10000), {}, ctx)).rejects.toMatchObject({ reason: 'memory' });
  });

  it('gives the script no require, process, fetch, timers, eval or host escape', async () => {
    await expect(executeTool(script('return [typeof require, typeof process, typeof fetch, typeof setTimeout, typeof module]'), {}, ctx)).resolves.toEqual([
      'undefined', 'undefined', 'undefined', 'undefined', 'undefined',
    ]);
    await expect(executeTool(script('return require("fs").readFileSync("/etc/passwd", "utf8")'), {}, ctx)).rejects.toMatchObject({ reason: 'script', message: expect.stringContaining('require is not defined') });
    await expect(executeTool(script('return eval("1 + 1")'), {}, ctx)).rejects.toMatchObject({ reason: 'script' });
    // the classic escape through a constructor chain reaches only the sandbox's Function, which cannot compile strings
    await expect(executeTool(script('return input.constructor.constructor("return process")().pid'), {}, ctx)).rejects.toMatchObject({ reason: 'script' });
    // a patched Promise.prototype.then never receives a host function
    await expect(
      executeTool(script('Promise.prototype.then = function (ok) { try { ok(ok.constructor.constructor("return process")().pid) } catch (e) { ok("contained") } }; return 1'), {}, ctx),
    ).resolves.toBe('contained');
  });

  it('reports thrown errors, compile errors and unserialisable output', async () => {
    await expect(executeTool(script('throw new Error("no eggs")'), {}, ctx)).rejects.toMatchObject({ reason: 'script', message: expect.stringContaining('no eggs') });
    await expect(executeTool(script('return {{'), {}, ctx)).rejects.toMatchObject({ message: expect.stringContaining('does not compile') });
    await expect(executeTool(script('return () => 1'), {}, ctx)).rejects.toMatchObject({ message: expect.stringContaining('not JSON-serialisable') });
  });
});
