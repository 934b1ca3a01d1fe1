import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '../..');
const REGISTER = join(ROOT, 'tools/scripts/swc-register.js');
const run = promisify(execFile);

/** Runs a .ts entry the way scripts and test children do: plain node with `-r swc-register`. */
async function runFromSource(entry: string): Promise<unknown> {
  const { stdout } = await run(process.execPath, ['-r', REGISTER, entry], { cwd: ROOT, timeout: 60_000 });
  return JSON.parse(stdout);
}

describe('swc-register', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'swc-register-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('resolves an extensionless import to the .ts module, not the .json file beside it, and still loads an explicit .json import', async () => {
    // Given a module and a data file sharing a name, as libs/llm's price-table.ts and price-table.json once did
    await writeFile(join(dir, 'table.ts'), `export const source = 'ts';\n`);
    await writeFile(join(dir, 'table.json'), JSON.stringify({ source: 'json' }));
    await writeFile(
      join(dir, 'entry.ts'),
      `import { source } from './table';\nimport data from './table.json';\nconsole.log(JSON.stringify({ module: source, data: data.source }));\n`,
    );
    // When the entry runs from source
    // Then the import without extension is the TypeScript module and the explicit .json import is the data
    await expect(runFromSource(join(dir, 'entry.ts'))).resolves.toEqual({ module: 'ts', data: 'json' });
  });

  it('loads @kastra/llm with costOf and the catalogue working (the llm-proxy run from source prices every call)', async () => {
    // Given a .ts entry importing the barrel as apps/llm-proxy does
    const entry = join(dir, 'price.ts');
    await writeFile(
      entry,
      [
        `import { catalogueEntry, costOf } from '@kastra/llm';`,
        `const usage = { prompt_tokens: 1_000_000, completion_tokens: 0, total_tokens: 1_000_000 };`,
        `const cost = costOf(usage, { modelId: 'm', prices: { input: 2, output: 8 } });`,
        `const listed = costOf(usage, 'openai/gpt-4o');`,
        `console.log(JSON.stringify({ cost, listedPriced: listed.priced, contextWindow: catalogueEntry('openai', 'gpt-4o')?.contextWindow }));`,
      ].join('\n'),
    );
    // When it runs from source
    const result = await runFromSource(entry);
    // Then costOf is the function of price-table.ts (not the JSON's keys) and the shipped data loaded
    expect(result).toEqual({ cost: { priced: true, usd: 2 }, listedPriced: true, contextWindow: expect.any(Number) });
  });
});
