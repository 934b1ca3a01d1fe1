import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { JwtAuthority } from '@kastra/auth';
import { main } from './main';
import { fakeGatewayServer, failureStatus, recordingContext, type RecordedRequest } from './test-context';

const JWT_SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const DISCOVERY = {
  kind: 'APIResourceList',
  groupVersion: 'mastra.ai/v1',
  resources: [
    { name: 'llms', singularName: 'llm', namespaced: true, kind: 'LLM', shortNames: [] },
    { name: 'llms/status', singularName: '', namespaced: true, kind: 'LLM' },
    { name: 'agents', singularName: 'agent', namespaced: true, kind: 'Agent', shortNames: ['ag'] },
  ],
};

/** A stand-in for the gateway: records every request and answers like the real REST API would. */
function fakeGateway(requests: RecordedRequest[]): http.Server {
  return fakeGatewayServer(requests, (req, res, body, reply) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/apis/mastra.ai/v1') return reply(200, DISCOVERY);
    if (url.pathname === '/apis') return reply(200, { kind: 'APIGroupList', groups: [] });
    const match = /^\/apis\/mastra\.ai\/v1(?:\/namespaces\/([^/]+))?\/([a-z]+)(?:\/([^/]+))?$/.exec(url.pathname);
    if (!match) return reply(404, failureStatus(404, 'NotFound', 'the server could not find the requested resource'));
    const [, namespace, plural, name] = match;
    if (req.method === 'PATCH') {
      const doc = parse(body);
      if (doc.spec?.provider === 'nope') return reply(422, failureStatus(422, 'Invalid', `LLM.mastra.ai "${name}" is invalid: spec.provider: Unsupported value: "nope"`));
      return reply(name === 'existing' ? 200 : 201, { ...doc, metadata: { ...doc.metadata, uid: 'u1', resourceVersion: '7' } });
    }
    if (req.method === 'DELETE') {
      if (name === 'ghost') return reply(404, failureStatus(404, 'NotFound', `${plural}.mastra.ai "ghost" not found`));
      return reply(200, { kind: 'Status', status: 'Success' });
    }
    if (req.method === 'GET' && name) {
      if (name === 'ghost') return reply(404, failureStatus(404, 'NotFound', `${plural}.mastra.ai "ghost" not found`));
      return reply(200, { apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name, namespace, creationTimestamp: new Date().toISOString() }, spec: { provider: 'mock', model: 'm' } });
    }
    if (req.method === 'GET') {
      return reply(200, {
        kind: 'LLMList',
        apiVersion: 'mastra.ai/v1',
        metadata: { resourceVersion: '9' },
        items: [
          { metadata: { name: 'one', namespace: namespace ?? 'x', creationTimestamp: new Date().toISOString() }, spec: { provider: 'mock', model: 'small' }, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Resolved', message: '', lastTransitionTime: '' }] } },
        ],
      });
    }
    reply(405, failureStatus(405, 'MethodNotAllowed', 'no'));
  });
}

describe('kastra apply, get, describe and delete against a gateway', () => {
  const requests: RecordedRequest[] = [];
  let server: http.Server;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const run = async (args: string[]) => {
    const ctx = recordingContext(env, dir);
    const code = await main(args, ctx);
    return { code, out: ctx.out, err: ctx.err };
  };

  beforeAll(async () => {
    server = fakeGateway(requests);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-cli-int-'));
    env = { KASTRA_HOME: path.join(dir, 'home'), KASTRA_JWT_SECRET: JWT_SECRET, KASTRA_SERVER: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    fs.mkdirSync(path.join(dir, 'manifests', 'nested'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'manifests', 'a-llms.yaml'),
      'apiVersion: mastra.ai/v1\nkind: LLM\nmetadata:\n  name: fresh\nspec:\n  provider: mock\n  model: m\n---\n# empty\n---\napiVersion: mastra.ai/v1\nkind: LLM\nmetadata:\n  name: existing\n  namespace: team-a\nspec:\n  provider: mock\n  model: m\n',
    );
    fs.writeFileSync(path.join(dir, 'manifests', 'nested', 'b-agent.yml'), 'apiVersion: mastra.ai/v1\nkind: Agent\nmetadata:\n  name: helper\nspec:\n  instructions: hi\n  model:\n    ref: default.fresh\n');
    fs.writeFileSync(path.join(dir, 'manifests', 'README.md'), 'not a manifest');
  });
  beforeEach(() => (requests.length = 0));
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('applies every document of a directory, recursively, with server-side apply', async () => {
    // When a directory is applied
    const { code, out, err } = await run(['apply', '-f', 'manifests']);
    // Then each document was PATCHed as apply-patch YAML, with the field manager, in file order
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(out).toBe('llm.mastra.ai/fresh created\nllm.mastra.ai/existing configured\nagent.mastra.ai/helper created\n');
    const patches = requests.filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => r.url)).toEqual([
      '/apis/mastra.ai/v1/namespaces/default/llms/fresh?fieldManager=kastra-cli&force=true',
      '/apis/mastra.ai/v1/namespaces/team-a/llms/existing?fieldManager=kastra-cli&force=true',
      '/apis/mastra.ai/v1/namespaces/default/agents/helper?fieldManager=kastra-cli&force=true',
    ]);
    expect(patches.every((r) => r.contentType === 'application/apply-patch+yaml')).toBe(true);
    expect(parse(patches[2].body)).toEqual({ apiVersion: 'mastra.ai/v1', kind: 'Agent', metadata: { name: 'helper', namespace: 'default' }, spec: { instructions: 'hi', model: { ref: 'default.fresh' } } });
    // And the admin token came from the configured secret; discovery was asked once
    const principal = new JwtAuthority(JWT_SECRET).verify(patches[0].authorization!.replace('Bearer ', ''));
    expect(principal.groups).toContain('system:masters');
    expect(requests.filter((r) => r.url === '/apis/mastra.ai/v1')).toHaveLength(1);
  });

  it('applies -n to documents without a namespace and refuses a conflicting one before sending anything', async () => {
    fs.writeFileSync(path.join(dir, 'one.yaml'), 'apiVersion: mastra.ai/v1\nkind: LLM\nmetadata:\n  name: fresh\nspec:\n  provider: mock\n');
    expect((await run(['apply', '-f', 'one.yaml', '-n', 'team-b'])).code).toBe(0);
    expect(requests.find((r) => r.method === 'PATCH')!.url).toContain('/namespaces/team-b/llms/fresh');
    requests.length = 0;
    const result = await run(['apply', '-f', 'manifests', '-n', 'team-b']);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/does not match the namespace given with -n/);
    expect(requests).toHaveLength(0);
  });

  it('rejects invalid YAML and documents without a name, sending nothing', async () => {
    fs.writeFileSync(path.join(dir, 'broken.yaml'), 'apiVersion: mastra.ai/v1\nkind: LLM\nmetadata: [unclosed\n');
    fs.writeFileSync(path.join(dir, 'nameless.yaml'), 'apiVersion: mastra.ai/v1\nkind: LLM\nmetadata: {}\n');
    const broken = await run(['apply', '-f', 'broken.yaml']);
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/broken\.yaml \(document 1\) is not valid YAML/);
    const nameless = await run(['apply', '-f', 'nameless.yaml']);
    expect(nameless.err).toMatch(/metadata\.name is required/);
    expect((await run(['apply', '-f', 'missing.yaml'])).err).toMatch(/does not exist/);
    expect((await run(['apply'])).code).toBe(1);
    expect(requests).toHaveLength(0);
  });

  it('prints the server\'s Status message and exits 1 when a document is rejected, applying the others', async () => {
    fs.writeFileSync(
      path.join(dir, 'mixed.yaml'),
      'apiVersion: mastra.ai/v1\nkind: LLM\nmetadata:\n  name: bad\nspec:\n  provider: nope\n---\napiVersion: mastra.ai/v1\nkind: LLM\nmetadata:\n  name: good\nspec:\n  provider: mock\n---\napiVersion: mastra.ai/v1\nkind: Widget\nmetadata:\n  name: w\n',
    );
    const { code, out, err } = await run(['apply', '-f', 'mixed.yaml']);
    expect(code).toBe(1);
    expect(out).toBe('llm.mastra.ai/good created\n');
    expect(err).toContain('Error from server (Invalid): LLM.mastra.ai "bad" is invalid: spec.provider: Unsupported value: "nope"');
    expect(err).toContain('no matches for kind "Widget" in version "mastra.ai/v1"');
  });

  it('reads manifests from stdin with -f -', async () => {
    const ctx = recordingContext(env, dir, 'apiVersion: mastra.ai/v1\nkind: LLM\nmetadata:\n  name: piped\n');
    expect(await main(['apply', '-f', '-'], ctx)).toBe(0);
    expect(ctx.out).toBe('llm.mastra.ai/piped created\n');
  });

  it('gets a table by short or kind name, with label selector and across namespaces', async () => {
    const table = await run(['get', 'LLM', '-l', 'team=a,tier!=x']);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/^NAME\s+READY\s+PROVIDER\s+MODEL\s+AGE\none\s+True\s+mock\s+small\s+\d+s\n$/);
    const listUrl = new URL(requests.at(-1)!.url, 'http://x');
    expect(listUrl.pathname).toBe('/apis/mastra.ai/v1/namespaces/default/llms');
    expect(listUrl.searchParams.get('labelSelector')).toBe('team=a,tier!=x');
    const all = await run(['get', 'ag', '-A']);
    expect(all.out).toMatch(/^NAMESPACE\s+NAME\s+READY\s+MODEL\s+AGE\n/);
    expect(requests.at(-1)!.url).toBe('/apis/mastra.ai/v1/agents');
  });

  it('gets one object as YAML or JSON, and a list as a List', async () => {
    const yaml = await run(['get', 'llm/fresh', '-n', 'team-a', '-o', 'yaml']);
    expect(parse(yaml.out)).toMatchObject({ kind: 'LLM', metadata: { name: 'fresh', namespace: 'team-a' } });
    const json = await run(['get', 'llms', '-o', 'json']);
    expect(JSON.parse(json.out)).toMatchObject({ kind: 'List', items: [{ apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'one' } }] });
  });

  it('fails clearly for an unknown kind, a missing object, a bad output format or an unreachable server', async () => {
    expect(await run(['get', 'widgets'])).toMatchObject({ code: 1, err: expect.stringContaining('the server doesn\'t have a resource type "widgets"') });
    expect(await run(['get', 'llm', 'ghost'])).toMatchObject({ code: 1, err: 'Error from server (NotFound): llms.mastra.ai "ghost" not found\n' });
    expect((await run(['get', 'llm', '-o', 'xml'])).code).toBe(1);
    const unreachable = await run(['get', 'llm', '--server', 'http://127.0.0.1:1']);
    expect(unreachable).toMatchObject({ code: 1, err: expect.stringContaining('cannot reach the Kastra gateway at http://127.0.0.1:1') });
  });

  it('describes one object', async () => {
    const { code, out } = await run(['describe', 'llm', 'fresh']);
    expect(code).toBe(0);
    expect(out).toMatch(/^Name:\s+fresh$/m);
    expect(out).toMatch(/^Spec:\n  provider: mock\n/m);
    expect(requests.at(-1)!.url).toBe('/apis/mastra.ai/v1/namespaces/default/llms/fresh');
  });

  it('deletes by kind and name, or by file, and reports a missing object unless told to ignore it', async () => {
    expect(await run(['delete', 'llm', 'fresh', '-n', 'team-a'])).toMatchObject({ code: 0, out: 'llm.mastra.ai "fresh" deleted\n' });
    expect(requests.at(-1)).toMatchObject({ method: 'DELETE', url: '/apis/mastra.ai/v1/namespaces/team-a/llms/fresh' });
    requests.length = 0;
    const byFile = await run(['delete', '-f', 'manifests']);
    expect(byFile.out).toBe('llm.mastra.ai "fresh" deleted\nllm.mastra.ai "existing" deleted\nagent.mastra.ai "helper" deleted\n');
    expect(requests.filter((r) => r.method === 'DELETE').map((r) => r.url)).toEqual([
      '/apis/mastra.ai/v1/namespaces/default/llms/fresh',
      '/apis/mastra.ai/v1/namespaces/team-a/llms/existing',
      '/apis/mastra.ai/v1/namespaces/default/agents/helper',
    ]);
    expect(await run(['delete', 'llm', 'ghost'])).toMatchObject({ code: 1, err: 'Error from server (NotFound): llms.mastra.ai "ghost" not found\n' });
    expect(await run(['delete', 'llm', 'ghost', '--ignore-not-found'])).toMatchObject({ code: 0, err: '' });
    expect((await run(['delete', 'llm'])).err).toMatch(/give the name/);
    expect((await run(['delete'])).err).toMatch(/KIND NAME or -f/);
  });

  it('uses KASTRA_TOKEN when set instead of minting one', async () => {
    env.KASTRA_TOKEN = 'given.token.value';
    try {
      await run(['get', 'llms']);
      expect(requests.at(-1)!.authorization).toBe('Bearer given.token.value');
    } finally {
      delete env.KASTRA_TOKEN;
    }
  });
});
