import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runExampleWorkflow, runExampleWorkflowAfterStart } from './run-example-workflow';
import type { ExampleOutcome } from './resource-readiness';

describe('the example workflow run of npm start', () => {
  let server: http.Server;
  let base: string;
  let answer: { code: number; body: unknown };
  const requests: Array<{ url: string; authorization?: string; body: string }> = [];
  const said: string[] = [];
  const say = (message: string) => void said.push(message);

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        requests.push({ url: req.url!, authorization: req.headers.authorization, body });
        res.writeHead(answer.code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => {
    requests.length = 0;
    said.length = 0;
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('executes cooking/recipe-suggestion with the example input and reports the output', async () => {
    answer = { code: 200, body: { run: 'recipe-suggestion-abcde', phase: 'Succeeded', output: { recipes: [{ name: 'Tomato soup' }] } } };
    const result = await runExampleWorkflow(base, 'tok', say, 5);
    expect(result).toEqual({ ok: true, run: 'recipe-suggestion-abcde', output: { recipes: [{ name: 'Tomato soup' }] } });
    expect(requests[0]).toMatchObject({ url: '/apis/mastra.ai/v1/namespaces/cooking/workflows/recipe-suggestion/execute?timeoutSeconds=5', authorization: 'Bearer tok' });
    expect(JSON.parse(requests[0].body)).toHaveProperty('message');
    expect(said.at(-1)).toBe('workflow   recipe-suggestion-abcde succeeded; output:');
    expect(console.log).toHaveBeenCalledWith(expect.stringContaining('Tomato soup'));
  });

  it('reports a failed run clearly without throwing', async () => {
    answer = { code: 422, body: { kind: 'Status', reason: 'RunFailed', phase: 'Failed', message: 'workflow run x: step find-recipes failed: Timeout: over 10s' } };
    const result = await runExampleWorkflow(base, 'tok', say, 5);
    expect(result).toEqual({ ok: false, reason: 'HTTP 422 (Failed): workflow run x: step find-recipes failed: Timeout: over 10s' });
    expect(said.join('\n')).toContain('the stack keeps running');
  });

  it('reports an unreachable gateway without throwing', async () => {
    const result = await runExampleWorkflow('http://127.0.0.1:1', 'tok', say, 1);
    expect(result.ok).toBe(false);
  });

  it('skips the run when the example Workflow did not become Ready', async () => {
    const outcome = { manifest: { kind: 'Workflow', namespace: 'cooking', name: 'recipe-suggestion' }, state: 'NotReady' } as ExampleOutcome;
    expect(await runExampleWorkflowAfterStart({ homeDir: '/nonexistent', gatewayUrl: base }, [outcome], say)).toBeUndefined();
    expect(said).toEqual(['workflow   example run skipped: Workflow cooking/recipe-suggestion is NotReady']);
    expect(requests).toHaveLength(0);
  });

  it('runs the example on the gateway of this stack, wherever its port is', async () => {
    // Given a Ready example Workflow and a stack whose gateway is not on the default port
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-example-run-'));
    const outcome = { manifest: { kind: 'Workflow', namespace: 'cooking', name: 'recipe-suggestion' }, state: 'Ready' } as ExampleOutcome;
    answer = { code: 200, body: { run: 'recipe-suggestion-fghij', phase: 'Succeeded', output: {} } };
    try {
      // When npm start runs it  Then the request goes to that gateway, with a token of the stack's home
      const result = await runExampleWorkflowAfterStart({ homeDir: home, gatewayUrl: base }, [outcome], say);
      expect(result).toMatchObject({ ok: true, run: 'recipe-suggestion-fghij' });
      expect(requests).toHaveLength(1);
      expect(requests[0].authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
