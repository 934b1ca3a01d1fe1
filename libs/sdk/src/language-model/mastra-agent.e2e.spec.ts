import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { ChatRequest } from '@kastra/llm';
import { startMockOpenAIServer, type MockOpenAIServer } from '@kastra/llm/testing';
import { cachedNpmProject } from './testing/cached-npm-project';

/** Mastra 1.x needs Node >= 22.13; the npm package `node` ships that binary. */
const NODE_VERSION = '22.23.3';
/** The versions of a Mastra project today: @mastra/core 1.x, the AI SDK 7 it pairs with, zod 4. */
const MASTRA_PROJECT = { '@mastra/core': '1.71.0', ai: '7.0.185', zod: '4.6.7' };
const REPO = path.resolve(__dirname, '../../../..');
const SDK_DIST = path.join(REPO, 'dist/libs/sdk/src/index.js');
const CHECK_SCRIPT = path.join(__dirname, 'testing/mastra-agent-check.mjs');
/** Assembled at runtime so that no literal in the repository looks like a credential. */
const KEY = ['sk', 'sdk', 'mastra', 'z'.repeat(12)].join('-');

/** The Node 22 binary, or why it cannot be had (the only reason this test may skip). */
function installNode22(): { node: string } | { skipped: string } {
  try {
    const node = path.join(cachedNpmProject('node', { node: NODE_VERSION }), 'node_modules/.bin/node');
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout?.trim();
    return version?.startsWith('v22.') ? { node } : { skipped: `the node@${NODE_VERSION} package installed, but its binary answers ${JSON.stringify(version)}` };
  } catch (error) {
    return { skipped: (error as Error).message };
  }
}

const node22 = installNode22();
if ('skipped' in node22) {
  console.warn(`SKIPPED: a Mastra Agent with yamlToMastraLLM needs Node 22 (Mastra 1.x requires Node >= 22.13), and node@${NODE_VERSION} could not be installed from npm: ${node22.skipped}`);
}
const withNode22 = 'node' in node22 ? it : it.skip;

describe('a real Mastra Agent (@mastra/core 1.x, Node 22) with yamlToMastraLLM as its model', () => {
  let server: MockOpenAIServer;
  let project: string;

  beforeAll(async () => {
    server = await startMockOpenAIServer({ acceptKeys: [KEY] });
    if ('node' in node22) project = cachedNpmProject('mastra', MASTRA_PROJECT);
  }, 600_000);
  afterAll(() => server?.close());

  withNode22('generates with a tool, streams, and serves the AI SDK 7 too, against a local OpenAI-format server', async () => {
    // Given an LLM manifest for that server, its key from a Secret the script resolves, and the built SDK
    const llmYaml = `apiVersion: mastra.ai/v1
kind: LLM
metadata:
  name: agent-llm
spec:
  provider: openai
  model: gpt-4o-mini
  secretRef: {name: openai, key: api-key}
  options:
    baseURL: ${server.baseUrl}
    temperature: 0.2
`;
    expect(fs.existsSync(SDK_DIST)).toBe(true);
    const script = path.join(project, `agent-check-${process.pid}.mjs`);
    fs.copyFileSync(CHECK_SCRIPT, script);

    // When the script builds a Mastra Agent with the model and calls generate() and stream(), under Node 22
    let stdout: string;
    try {
      ({ stdout } = await promisify(execFile)((node22 as { node: string }).node, [script], {
        cwd: project,
        timeout: 120_000,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, KASTRA_SDK: SDK_DIST, LLM_YAML: llmYaml, PROVIDER_KEY: KEY, MASTRA_TELEMETRY_DISABLED: '1' },
      }));
    } finally {
      fs.rmSync(script, { force: true });
    }
    const line = stdout.split('\n').find((l) => l.startsWith('KASTRA_RESULT '));
    expect(line).toBeDefined();
    const result = JSON.parse((line as string).slice('KASTRA_RESULT '.length));

    // Then it ran on Node 22 with the V3 model
    expect(result.node).toMatch(/^v22\./);
    expect(result.model).toEqual({ specificationVersion: 'v3', provider: 'openai.chat', modelId: 'gpt-4o-mini' });
    // And the agent called the tool with the model's arguments, sent its result back and answered, with usage
    expect(result.toolCalls).toEqual([{ city: 'Paris' }, { city: 'Oslo' }]);
    expect(result.generated.toolResults).toEqual([expect.objectContaining({ toolName: 'weather', result: { forecast: 'sunny in Paris' } })]);
    expect(result.generated.text).toBe('Mock answer from gpt-4o-mini: Paris');
    expect(result.generated.usage.totalTokens).toBeGreaterThan(0);
    // And the stream came in deltas
    expect(result.streamed.deltas.length).toBeGreaterThan(1);
    expect(result.streamed.text).toBe('Mock answer from gpt-4o-mini: Oslo');
    expect(result.streamed.usage.totalTokens).toBeGreaterThan(0);
    // And ai 7's generateText took the same model
    expect(result.aiSdk7.text).toBe('Mock answer from gpt-4o-mini: from ai 7');
    // And every request reached the server with the key, the agent's instructions, the tool, and the spec's temperature
    const chats = server.requests.filter((r) => r.path === '/v1/chat/completions');
    expect(chats).toHaveLength(5);
    expect(chats.every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    const first = chats[0].body as ChatRequest;
    expect(first.messages[0]).toMatchObject({ role: 'system', content: expect.stringContaining('You tell the weather.') });
    expect(first.tools?.[0].function.name).toBe('weather');
    expect(first.temperature).toBe(0.2);
    expect(JSON.stringify((chats[1].body as ChatRequest).messages)).toContain('sunny in Paris');
  });
});
