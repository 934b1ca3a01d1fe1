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
    await expect(executeTool(script('const hoard = []; for (;;) hoard.push(new Array(1e6).fill(7));', 10000), {}, ctx)).rejects.toMatchObject({
      reason: 'memory',
      message: expect.stringContaining('exceeded its 64 MiB memory limit'),
    });
  });

  it('cancels a running script when the caller aborts', async () => {
    const controller = new AbortController();
    const running = executeTool(script('while (true) {}', 30000), {}, { ...ctx, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(running).rejects.toMatchObject({ reason: 'cancelled' });
  });

  it('gives the script no require, process, fetch, timers, console or host escape', async () => {
    await expect(executeTool(script('return [typeof require, typeof process, typeof fetch, typeof setTimeout, typeof module, typeof console]'), {}, ctx)).resolves.toEqual([
      'undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'undefined',
    ]);
    await expect(executeTool(script('return require("fs").readFileSync("/etc/passwd", "utf8")'), {}, ctx)).rejects.toMatchObject({ reason: 'script', message: expect.stringContaining("'require' is not defined") });
    // eval compiles inside the same engine: what it builds reaches no more than the script itself
    await expect(executeTool(script('return eval("[typeof process, 1 + 1]")'), {}, ctx)).resolves.toEqual(['undefined', 2]);
    // the classic escape through a constructor chain reaches only the engine's own Function
    await expect(executeTool(script('return input.constructor.constructor("return process")().pid'), {}, ctx)).rejects.toMatchObject({ reason: 'script', message: expect.stringContaining("'process' is not defined") });
    // the host reads the promise's state itself: a patched Promise.prototype.then is never called
    await expect(
      executeTool(script('Promise.prototype.then = function (ok) { try { ok(ok.constructor.constructor("return process")().pid) } catch (e) { ok("contained") } }; return 1'), {}, ctx),
    ).resolves.toBe(1);
  });

  it('reports thrown errors, compile errors and unserialisable output', async () => {
    await expect(executeTool(script('throw new Error("no eggs")'), {}, ctx)).rejects.toMatchObject({ reason: 'script', message: expect.stringContaining('no eggs') });
    await expect(executeTool(script('return {{'), {}, ctx)).rejects.toMatchObject({ message: expect.stringContaining('does not compile') });
    await expect(executeTool(script('return () => 1'), {}, ctx)).rejects.toMatchObject({ message: expect.stringContaining('not JSON-serialisable') });
  });
});
