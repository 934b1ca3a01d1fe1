import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { validateResource } from '@kastra/api';
import { main } from './main';
import { recordingContext } from './test-context';

const OLD_AGENT = `# kept comment
apiVersion: mastra.ai/v1alpha1
kind: Agent
metadata:
  name: recipe-assistant
  namespace: cooking
spec:
  instructions: "Help with recipes."
  model:
    provider: openai
    name: gpt-4-turbo
  tools:
    - name: recipe-finder
      refName: cooking.recipe-finder
`;
const OLD_NETWORK = `apiVersion: mastra.ai/v1alpha1
kind: Network
metadata: {name: research, namespace: cooking}
spec:
  agents:
    - {name: search, refName: cooking.recipe-assistant}
  router:
    model: {provider: openai, name: gpt-4-turbo}
`;
const CURRENT = 'apiVersion: mastra.ai/v1\nkind: LLM\nmetadata:\n  name: m\nspec:\n  provider: mock\n  model: m\n';

/** `kastra migrate manifests` on files in a temporary folder (no services). */
describe('kastra migrate manifests (CLI)', () => {
  let dir: string;
  const kastra = async (args: string[]) => {
    const ctx = recordingContext({}, dir);
    const code = await main(['migrate', 'manifests', ...args], ctx);
    return { code, out: ctx.out, err: ctx.err };
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-migrate-manifests-'));
    fs.mkdirSync(path.join(dir, 'old/nested'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'old/agent.yaml'), OLD_AGENT);
    fs.writeFileSync(path.join(dir, 'old/nested/network.yml'), OLD_NETWORK);
    fs.writeFileSync(path.join(dir, 'old/current.yaml'), CURRENT);
    fs.writeFileSync(path.join(dir, 'old/notes.txt'), 'not a manifest');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints a unified diff that git apply takes, and writes nothing without --write or -o', async () => {
    const result = await kastra(['old']);
    expect(result.code).toBe(0);
    expect(result.out).toContain('--- a/old/agent.yaml\n+++ b/old/agent.yaml\n');
    expect(result.out).toContain('-apiVersion: mastra.ai/v1alpha1\n+apiVersion: mastra.ai/v1\n');
    expect(result.out).toContain('-    - {name: search, refName: cooking.recipe-assistant}\n+    - {name: search, ref: cooking.recipe-assistant}\n');
    expect(result.out).not.toContain('current.yaml');
    expect(result.err).toContain('upgraded      old/agent.yaml: Agent recipe-assistant (document 1): apiVersion: mastra.ai/v1alpha1 → mastra.ai/v1');
    expect(result.err).toContain('left          old/agent.yaml: Agent recipe-assistant (document 1): spec.model: inline model openai/gpt-4-turbo is current and kept');
    expect(result.err).toContain('3 documents in 3 files: 2 upgraded (2 files changed), 0 still refused by the API server; nothing written');
    expect(fs.readFileSync(path.join(dir, 'old/agent.yaml'), 'utf8')).toBe(OLD_AGENT);

    // The diff is a real patch: git apply turns the old files into the upgraded ones.
    fs.writeFileSync(path.join(dir, 'upgrade.patch'), result.out);
    execFileSync('git', ['apply', '--unsafe-paths', 'upgrade.patch'], { cwd: dir });
    expect(fs.readFileSync(path.join(dir, 'old/agent.yaml'), 'utf8')).toBe(OLD_AGENT.replace('v1alpha1', 'v1'));
  });

  it('--write rewrites the changed files in place; every document then validates; a second run changes nothing', async () => {
    expect((await kastra(['old', '--write'])).code).toBe(0);
    for (const file of ['old/agent.yaml', 'old/nested/network.yml', 'old/current.yaml']) {
      for (const document of parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'))) expect(validateResource(document.toJS())).toEqual([]);
    }
    expect(fs.readFileSync(path.join(dir, 'old/agent.yaml'), 'utf8').startsWith('# kept comment\napiVersion: mastra.ai/v1\n')).toBe(true);
    const again = await kastra(['old', '--write']);
    expect({ code: again.code, out: again.out }).toEqual({ code: 0, out: '' });
    expect(again.err).toContain('0 upgraded (0 files changed)');
  });

  it('-o writes every file to another folder; --extract-llms makes one LLM for both inline models and refs to it', async () => {
    const result = await kastra(['old', '-o', 'new', '--extract-llms']);
    expect(result.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'old/agent.yaml'), 'utf8')).toBe(OLD_AGENT);
    const agentDocs = parseAllDocuments(fs.readFileSync(path.join(dir, 'new/agent.yaml'), 'utf8')).map((d) => d.toJS());
    const networkDocs = parseAllDocuments(fs.readFileSync(path.join(dir, 'new/nested/network.yml'), 'utf8')).map((d) => d.toJS());
    expect(agentDocs.map((d) => d.kind)).toEqual(['Agent', 'LLM']);
    expect(agentDocs[0].spec.model).toEqual({ ref: 'openai-gpt-4-turbo' });
    expect(networkDocs.map((d) => d.kind)).toEqual(['Network']);
    expect(networkDocs[0].spec.router.model).toEqual({ ref: 'openai-gpt-4-turbo' });
    expect(fs.readFileSync(path.join(dir, 'new/current.yaml'), 'utf8')).toBe(CURRENT);
    expect(result.err).toContain('3 files written to new');
  });

  it('exits 1 and names the field when a document is still refused; bad YAML and bad arguments are reported', async () => {
    fs.writeFileSync(path.join(dir, 'old/bad.yaml'), 'apiVersion: mastra.ai/v1alpha1\nkind: Agent\nmetadata: {name: x}\nspec: {model: {ref: l}}\n');
    fs.writeFileSync(path.join(dir, 'old/broken.yaml'), 'a: [1, 2\n');
    const result = await kastra(['old']);
    expect(result.code).toBe(1);
    expect(result.err).toContain('still invalid old/bad.yaml: Agent x (document 1): spec.instructions');
    expect(result.err).toContain('not read      old/broken.yaml: not valid YAML');
    expect((await kastra(['missing'])).err).toContain('the path "missing" does not exist');
    expect((await kastra(['old', '--write', '-o', 'x'])).err).toContain('--write and -o exclude each other');
    expect((await kastra(['old', '-o', 'old/out'])).err).toContain('-o must be outside the folder');
  });
});
