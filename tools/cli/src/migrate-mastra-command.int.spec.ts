import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO } from '@kastra/testing';
import { main } from './main';
import { recordingContext } from './test-context';

const EXAMPLE = path.join(REPO, 'examples/migrate/mastra-weather/src');

/** `kastra migrate mastra` on folders (no services): what it writes, prints and refuses. */
describe('kastra migrate mastra (CLI)', () => {
  let dir: string;
  const kastra = async (args: string[]) => {
    const ctx = recordingContext({}, dir);
    const code = await main(['migrate', 'mastra', ...args], ctx);
    return { code, out: ctx.out, err: ctx.err };
  };
  const documents = (file: string) => parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8')).map((d) => d.toJS());

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-migrate-mastra-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes one file per kind and MIGRATION-REPORT.md, and prints every line of the report', async () => {
    const result = await kastra([EXAMPLE, '-o', 'out', '-n', 'weather']);
    expect({ code: result.code, err: result.err }).toEqual({ code: 0, err: '' });
    expect(fs.readdirSync(path.join(dir, 'out')).sort()).toEqual(['MIGRATION-REPORT.md', 'agents.yaml', 'llms.yaml', 'tools.yaml', 'workflows.yaml']);
    expect(documents('out/agents.yaml')).toEqual([expect.objectContaining({ kind: 'Agent', metadata: expect.objectContaining({ name: 'weather-agent', namespace: 'weather' }) })]);
    expect(documents('out/llms.yaml')[0].spec).toEqual({ provider: 'openai', model: 'gpt-4o-mini', apiKey: '${OPENAI_API_KEY}' });
    const report = fs.readFileSync(path.join(dir, 'out/MIGRATION-REPORT.md'), 'utf8');
    // Every not-translated construct of the example is in the report and on the terminal.
    for (const construct of ['Tool get-weather: execute', 'new Mastra: storage', 'new Mastra: logger', 'Agent weather-agent: memory storage', 'Workflow activity-planning: outputSchema']) {
      expect(report).toMatch(new RegExp(`\\| not translated \\| [^|]+ \\| ${construct.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\|`));
      expect(result.out).toMatch(new RegExp(`not translated +\\S+ +${construct.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    }
    expect(report).toContain('- `llms.yaml`');
    expect(result.out).toMatch(/\d+ translated, \d+ approximated, 5 not translated; report: out\/MIGRATION-REPORT.md\n$/);
  });

  it('a later run into the same folder removes the files of kinds it has nothing for', async () => {
    await kastra([EXAMPLE, '-o', 'out']);
    fs.mkdirSync(path.join(dir, 'tools-only'));
    fs.writeFileSync(
      path.join(dir, 'tools-only/t.ts'),
      "import { createTool } from '@mastra/core/tools';\nexport const t = createTool({ id: 't', description: 'd', execute: async () => 1 });\n",
    );
    expect((await kastra(['tools-only', '-o', 'out'])).code).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'out')).sort()).toEqual(['MIGRATION-REPORT.md', 'tools.yaml']);
  });

  it('refuses a path that is not a folder, a folder without sources and sources without Mastra', async () => {
    expect((await kastra(['missing', '-o', 'out'])).err).toContain('"missing" is not a folder');
    fs.mkdirSync(path.join(dir, 'empty'));
    expect((await kastra(['empty', '-o', 'out'])).err).toContain('no TypeScript or JavaScript files under "empty"');
    fs.writeFileSync(path.join(dir, 'empty/plain.ts'), 'export const x = 1;\n');
    const none = await kastra(['empty', '-o', 'out']);
    expect({ code: none.code, err: none.err }).toEqual({ code: 1, err: expect.stringContaining('no Mastra agents, tools, workflows or new Mastra(...)') });
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
    expect((await kastra(['empty'])).err).toContain("required option '-o, --output <dir>'");
  });
});
