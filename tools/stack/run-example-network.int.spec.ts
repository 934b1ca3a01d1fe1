import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExampleOutcome } from './resource-readiness';
import { EXAMPLE_NETWORK, runExampleNetwork, runExampleNetworkAfterStart } from './run-example-network';

describe('the example network run of npm start', () => {
  let server: http.Server;
  let base: string;
  let answer: { code: number; body: unknown };
  const requests: Array<{ url: string; authorization?: string; accept?: string; body: string }> = [];
  const said: string[] = [];
  const say = (message: string) => void said.push(message);
  const ROUTE = [
    { step: 1, agent: 'search-agent', reason: 'next member in order' },
    { step: 2, agent: 'analysis-agent', reason: 'next member in order' },
    { step: 3, agent: 'summary-agent', reason: 'next member in order' },
  ];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        requests.push({ url: req.url!, authorization: req.headers.authorization, accept: req.headers.accept, body });
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

  it('generates on default/research-network with the example task and reports the route and the answer', async () => {
    answer = { code: 200, body: { run: 'research-network-abcde', phase: 'Succeeded', output: 'Heat pumps work in older homes once insulated.', route: ROUTE } };
    const result = await runExampleNetwork(base, 'tok', say, 5);
    expect(result).toEqual({ ok: true, run: 'research-network-abcde', route: ROUTE, output: 'Heat pumps work in older homes once insulated.' });
    expect(requests[0]).toMatchObject({ url: '/apis/mastra.ai/v1/namespaces/default/networks/research-network/generate?timeoutSeconds=5', authorization: 'Bearer tok', accept: 'application/json' });
    expect(JSON.parse(requests[0].body)).toEqual({ message: EXAMPLE_NETWORK.message });
    expect(said.at(-1)).toBe('network    research-network-abcde succeeded in 3 steps (search-agent → analysis-agent → summary-agent); answer:');
    expect(console.log).toHaveBeenCalledWith('Heat pumps work in older homes once insulated.');
  });

  it('reports a failed run, and an unreachable gateway, clearly without throwing', async () => {
    answer = { code: 422, body: { kind: 'Status', reason: 'RunFailed', phase: 'Failed', message: 'network run x failed at step 15: MaxStepsReached: no answer in 15 steps' } };
    expect(await runExampleNetwork(base, 'tok', say, 5)).toEqual({ ok: false, reason: 'HTTP 422 (Failed): network run x failed at step 15: MaxStepsReached: no answer in 15 steps' });
    expect(said.join('\n')).toContain('the stack keeps running');
    expect(said.join('\n')).toContain('npx kastra generate network research-network -n default');
    expect((await runExampleNetwork('http://127.0.0.1:1', 'tok', say, 1)).ok).toBe(false);
  });

  it('skips the run when the example Network did not become Ready, and runs it on this stack\'s gateway when it did', async () => {
    const notReady = { manifest: { kind: 'Network', namespace: 'default', name: 'research-network' }, state: 'NotReady' } as ExampleOutcome;
    expect(await runExampleNetworkAfterStart({ homeDir: '/nonexistent', gatewayUrl: base }, [notReady], say)).toBeUndefined();
    expect(said).toEqual(['network    example run skipped: Network default/research-network is NotReady']);
    expect(requests).toHaveLength(0);

    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-example-network-'));
    answer = { code: 200, body: { run: 'research-network-fghij', phase: 'Succeeded', output: 'ok', route: ROUTE } };
    try {
      const result = await runExampleNetworkAfterStart({ homeDir: home, gatewayUrl: base }, [{ ...notReady, state: 'Ready' }], say);
      expect(result).toMatchObject({ ok: true, run: 'research-network-fghij' });
      expect(requests[0].authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
