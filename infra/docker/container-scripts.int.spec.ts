import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { SERVICE_NODE_FLAGS, SERVICE_PORTS, type ServiceName } from '@kastra/config';

// The image's two scripts, run as the container runs them (no Docker engine here).
const HEALTHCHECK = path.join(__dirname, 'healthcheck.js');
const START_SERVICE = path.join(__dirname, 'start-service.sh');

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 20000 }, (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

describe('healthcheck.js', () => {
  let server: http.Server;
  let port: number;
  const answers: Record<string, number | 'hang'> = {};

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      const answer = answers[request.url ?? ''] ?? 404;
      if (answer === 'hang') return;
      response.writeHead(answer).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const probe = (args: string[], env: NodeJS.ProcessEnv = {}) => run(process.execPath, [HEALTHCHECK, ...args], { PATH: process.env.PATH, PORT: String(port), KASTRA_BIND: '0.0.0.0', ...env });

  it('passes when /healthz answers 200 and fails on 503, on a refused port and on a hang', async () => {
    answers['/healthz'] = 200;
    expect((await probe([])).code).toBe(0);
    answers['/healthz'] = 503;
    expect(await probe([])).toEqual(expect.objectContaining({ code: 1, stderr: expect.stringContaining('/healthz did not answer 200') }));
    answers['/healthz'] = 'hang';
    expect((await probe([], { KASTRA_HEALTHCHECK_TIMEOUT_MS: '300' })).code).toBe(1);
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect((await probe([], { PORT: String(closedPort) })).code).toBe(1);
  });

  it('checks /readyz when asked (compose), and refuses any other path', async () => {
    answers['/healthz'] = 200;
    answers['/readyz'] = 503;
    expect((await probe(['/readyz'])).code).toBe(1);
    answers['/readyz'] = 200;
    expect((await probe(['/readyz'])).code).toBe(0);
    expect(await probe(['/metrics'])).toEqual(expect.objectContaining({ code: 1, stderr: expect.stringContaining('/healthz or /readyz') }));
  });

  it('uses the address KASTRA_BIND names, and the default port of SERVICE without PORT', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { healthUrl, DEFAULT_PORTS } = require('./healthcheck.js') as { healthUrl: (env: NodeJS.ProcessEnv, path?: string) => string; DEFAULT_PORTS: Record<string, number> };
    expect(DEFAULT_PORTS).toEqual(SERVICE_PORTS);
    expect(healthUrl({ SERVICE: 'llm-proxy' })).toBe('http://127.0.0.1:8081/healthz');
    expect(healthUrl({ SERVICE: 'llm-proxy', PORT: '9000', KASTRA_BIND: '10.0.0.7' })).toBe('http://10.0.0.7:9000/healthz');
    expect(healthUrl({ PORT: '9000', KASTRA_BIND: '::' }, '/readyz')).toBe('http://127.0.0.1:9000/readyz');
    expect(healthUrl({ PORT: '9000', KASTRA_BIND: 'fd00::7' })).toBe('http://[fd00::7]:9000/healthz');
    expect(() => healthUrl({ SERVICE: 'nope' })).toThrow('no PORT and no known SERVICE');
  });
});

describe('start-service.sh', () => {
  // A stand-in `node` on PATH that prints the arguments it was started with.
  const fakeBin = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-fake-node-'));
  fs.writeFileSync(path.join(fakeBin, 'node'), '#!/bin/sh\nprintf "%s\\n" "SERVICE=$SERVICE" "$@"\n', { mode: 0o755 });
  afterAll(() => fs.rmSync(fakeBin, { recursive: true, force: true }));
  const start = (args: string[], env: NodeJS.ProcessEnv) => run(START_SERVICE, args, { PATH: `${fakeBin}:/usr/bin:/bin`, ...env });

  it.each(Object.keys(SERVICE_PORTS) as ServiceName[])('starts %s with its Node flags, named by SERVICE or by argument', async (service) => {
    const expected = [`SERVICE=${service}`, ...SERVICE_NODE_FLAGS[service], `dist/apps/${service}/src/main.js`];
    expect((await start([], { SERVICE: service })).stdout.trim().split('\n')).toEqual(expected);
    expect((await start([service], {})).stdout.trim().split('\n')).toEqual(expected);
  });

  it('refuses a missing or unknown service, naming the choices', async () => {
    for (const env of [{}, { SERVICE: 'api-gateway; rm -rf /' }]) {
      const result = await start([], env);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('one of api-gateway, controller-manager, workflow-executor, network-router, llm-proxy');
      expect(result.stdout).toBe('');
    }
  });
});
