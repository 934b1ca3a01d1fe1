import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RuntimeManager, loadFromFile, ManifestSyntaxError } from '@kastra/sdk';

describe('loading manifests from files', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-sdk-manifests-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('applies every .yaml, .yml and .json file under a folder, sub-folders included, and nothing else', async () => {
    fs.mkdirSync(path.join(dir, 'agents'));
    fs.writeFileSync(path.join(dir, 'llm.yaml'), 'apiVersion: mastra.ai/v1\nkind: LLM\nmetadata: {name: mock-llm}\nspec: {provider: mock, model: mock-1}\n');
    fs.writeFileSync(path.join(dir, 'agents', 'chef.yml'), 'apiVersion: mastra.ai/v1\nkind: Agent\nmetadata: {name: chef}\nspec: {instructions: cook, model: {ref: mock-llm}}\n');
    fs.writeFileSync(path.join(dir, 'agents', 'waiter.json'), JSON.stringify({ apiVersion: 'mastra.ai/v1', kind: 'Agent', metadata: { name: 'waiter' }, spec: { instructions: 'serve', model: { ref: 'mock-llm' } } }));
    fs.writeFileSync(path.join(dir, 'README.md'), '# not a manifest');
    const rt = await loadFromFile(dir);
    expect((await rt.listResources('Agent')).map((a) => [a.metadata.name, a.status?.phase])).toEqual([
      ['chef', 'Ready'],
      ['waiter', 'Ready'],
    ]);
  });

  it('applies one file', async () => {
    const file = path.join(dir, 'one.yaml');
    fs.writeFileSync(file, 'apiVersion: mastra.ai/v1\nkind: LLM\nmetadata: {name: a}\nspec: {provider: mock, model: m}\n---\napiVersion: mastra.ai/v1\nkind: LLM\nmetadata: {name: b}\nspec: {provider: mock, model: m}\n');
    const applied = await new RuntimeManager().loadFromFile(file);
    expect(applied.map((r) => r.metadata.name)).toEqual(['a', 'b']);
  });

  it('names the file that cannot be read or parsed, and applies nothing of the folder', async () => {
    await expect(new RuntimeManager().loadFromFile(path.join(dir, 'missing.yaml'))).rejects.toMatchObject({ message: expect.stringContaining('ENOENT') });
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'apiVersion: mastra.ai/v1\nkind: LLM\nmetadata: {name: a}\nspec: {provider: mock, model: m}\n');
    fs.writeFileSync(path.join(dir, 'b.yaml'), 'kind: [broken\n');
    const rt = new RuntimeManager();
    const error = await rt.loadFromFile(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManifestSyntaxError);
    expect((error as ManifestSyntaxError).source).toBe(path.join(dir, 'b.yaml'));
    expect(await rt.listResources('LLM')).toEqual([]);
  });
});
