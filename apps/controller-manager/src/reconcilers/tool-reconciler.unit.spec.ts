import { createServer, type Server } from 'node:net';
import type { McpStdioCommand, Resource } from '@kastra/api';
import { EgressAllowList, EgressPolicy } from '@kastra/egress';
import { freePort } from '@kastra/testing';
import type { Assessment } from '../assessment';
import { InMemoryResourceStore } from '../test/in-memory-resource-store';
import { ToolReconciler } from './tool-reconciler';

function tool(name: string, spec: Record<string, unknown>): Resource {
  return { apiVersion: 'mastra.ai/v1', kind: 'Tool', metadata: { name, namespace: 'default' }, spec };
}

function reasons(assessment: Assessment): string[] {
  return assessment.problems.map((problem) => problem.reason);
}

describe('ToolReconciler', () => {
  let server: Server;
  let openPort: number;
  let connections = 0;

  beforeAll(async () => {
    server = createServer((socket) => socket.end());
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    openPort = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('probes http and mcp endpoints the egress policy allows: a listening port is Ready, a closed one Unreachable with a re-check', async () => {
    // Given loopback opened by the operator (KASTRA_EGRESS_ALLOW=127.0.0.1/32)
    const tools = new ToolReconciler(new InMemoryResourceStore(), { probeTimeoutMs: 500, egress: { policy: new EgressPolicy(new EgressAllowList('127.0.0.1/32')) } });
    const reachable = await tools.reconcile(tool('up', { http: { url: `http://127.0.0.1:${openPort}/search` } }));
    expect(reasons(reachable)).toEqual([]);
    const closedPort = await freePort();
    const down = await tools.reconcile(tool('down', { mcp: { server: { url: `http://127.0.0.1:${closedPort}/mcp` }, tool: 't' } }));
    expect(down.problems).toEqual([expect.objectContaining({ reason: 'Unreachable', recheckAfterMs: 30_000 })]);
    expect(down.problems[0].message).toContain(`127.0.0.1:${closedPort}`);
    expect(down.problems[0].message).toContain('spec.mcp.server.url');
  });

  it('is no port scanner: 127.0.0.1:5432, an open port and a closed one all read "refused by egress policy", and none is probed', async () => {
    // Given the policy of a process that opens nothing, Postgres on 5432, a listening port and a closed one
    const tools = new ToolReconciler(new InMemoryResourceStore(), { probeTimeoutMs: 500, egress: { policy: new EgressPolicy() } });
    const closedPort = await freePort();
    const before = connections;
    // When Tools point at each
    const verdicts = await Promise.all(
      [5432, openPort, closedPort].map((port) => tools.reconcile(tool(`scan-${port}`, { http: { url: `http://127.0.0.1:${port}/` } }))),
    );
    // Then each is EgressRefused with the same words but for the port, and the listener saw no connection
    for (const verdict of verdicts) expect(verdict.problems).toEqual([expect.objectContaining({ reason: 'EgressRefused', recheckAfterMs: 30_000 })]);
    const messages = verdicts.map((verdict, i) => verdict.problems[0].message.replaceAll(String([5432, openPort, closedPort][i]), 'PORT'));
    expect(new Set(messages).size).toBe(1);
    expect(messages[0]).toBe('http://127.0.0.1:PORT/ (spec.http.url) is refused by egress policy: 127.0.0.1 is a loopback address; Tools may not reach it unless an operator opens it (KASTRA_EGRESS_ALLOW)');
    expect(connections).toBe(before);
  });

  it('refuses names resolving to private addresses and the metadata address the same way, for MCP servers too', async () => {
    const tools = new ToolReconciler(new InMemoryResourceStore(), { probeTimeoutMs: 500, egress: { policy: new EgressPolicy() } });
    const byName = await tools.reconcile(tool('local', { mcp: { server: { url: `http://localhost:${openPort}/mcp` }, tool: 't' } }));
    expect(byName.problems[0]).toMatchObject({ reason: 'EgressRefused', message: expect.stringContaining('localhost resolves to a loopback address') });
    const metadata = await tools.reconcile(tool('imds', { http: { url: 'http://169.254.169.254/latest/meta-data/' } }));
    expect(metadata.problems[0]).toMatchObject({ reason: 'EgressRefused', message: expect.stringContaining('169.254.169.254 is a cloud metadata address') });
  });

  it('lets a stdio MCP server be only one the operator configured, with Secret variables it allows', async () => {
    // Given one configured server that lets Tools set TOKEN, and a Secret holding it
    const store = new InMemoryResourceStore();
    store.put({ apiVersion: 'mastra.ai/v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'default' }, data: { token: 'dG9r' } });
    const mcpCommands = new Map<string, McpStdioCommand>([['github', { command: '/usr/local/bin/github-mcp', args: ['stdio'], env: {}, secretEnv: ['TOKEN'] }]]);
    const tools = new ToolReconciler(store, { mcpCommands, permissions: { mayUseSecret: async () => true, mayReachPrivate: async () => false } });
    const mcp = (server: Record<string, unknown>) => tool('stdio', { mcp: { server, tool: 't' } });
    // Then the configured server (by name, or by its exact command and args) is Ready
    expect(reasons(await tools.reconcile(mcp({ stdio: 'github', env: { TOKEN: { secretRef: { name: 'creds', key: 'token' } } } })))).toEqual([]);
    expect(reasons(await tools.reconcile(mcp({ command: '/usr/local/bin/github-mcp', args: ['stdio'] })))).toEqual([]);
    // And a command of the Tool's own, another name, or a variable the entry does not allow is not Ready, naming the rule
    const shell = await tools.reconcile(mcp({ command: 'sh', args: ['-c', 'id'] }));
    expect(shell.problems).toEqual([
      expect.objectContaining({
        reason: 'McpCommandNotAllowed',
        message: 'spec.mcp.server.command "sh" with these args is not an MCP server the operator allows (KASTRA_MCP_COMMANDS; configured: github): name one with spec.mcp.server.stdio; a Tool cannot name a command of its own',
      }),
    ]);
    expect(reasons(await tools.reconcile(mcp({ stdio: 'bash' })))).toEqual(['McpCommandNotAllowed']);
    const preload = await tools.reconcile(mcp({ stdio: 'github', env: { LD_PRELOAD: { secretRef: { name: 'creds', key: 'token' } } } }));
    expect(preload.problems[0]).toMatchObject({ reason: 'McpCommandNotAllowed', message: expect.stringContaining('sets LD_PRELOAD, which MCP server "github" does not let Tools set (it allows TOKEN)') });
    // And a Secret key that is missing is named
    expect(reasons(await tools.reconcile(mcp({ stdio: 'github', env: { TOKEN: { secretRef: { name: 'creds', key: 'other' } } } })))).toEqual(['SecretKeyMissing']);
    // And with nothing configured, no stdio server is allowed
    const none = new ToolReconciler(store, { mcpCommands: new Map() });
    expect((await none.reconcile(mcp({ stdio: 'github' }))).problems[0].message).toContain('none is configured');
  });

  it('judges a Tool by its last writer: a header or env Secret it may not read is SecretForbidden, private addresses only with egress-private', async () => {
    // Given a Secret, and permissions granting both rights to the Tool "trusted" only (as its writer's RBAC would)
    const store = new InMemoryResourceStore();
    store.put({ apiVersion: 'mastra.ai/v1', kind: 'Secret', metadata: { name: 'admin-key', namespace: 'default' }, data: { token: 'dG9r' } });
    const trustedOnly = async (resource: { metadata: { name: string } }) => resource.metadata.name === 'trusted';
    const mcpCommands = new Map<string, McpStdioCommand>([['github', { command: '/usr/local/bin/github-mcp', args: [], env: {}, secretEnv: ['TOKEN'] }]]);
    const tools = new ToolReconciler(store, { probeTimeoutMs: 500, mcpCommands, egress: { policy: new EgressPolicy() }, permissions: { mayUseSecret: trustedOnly, mayReachPrivate: trustedOnly } });
    const http = { url: `http://127.0.0.1:${openPort}/`, headers: { authorization: { secretRef: { name: 'admin-key', key: 'token' } } } };
    const before = connections;
    // When another's Tool sends the Secret to a loopback listener, and sets it as a stdio server's variable
    const thief = await tools.reconcile(tool('thief', { http }));
    const envThief = await tools.reconcile(tool('env-thief', { mcp: { server: { stdio: 'github', env: { TOKEN: { secretRef: { name: 'admin-key', key: 'token' } } } }, tool: 't' } }));
    // Then it is not Ready, naming the Secret, the field and the rule, looked at again; the listener is not probed
    expect(reasons(thief)).toEqual(['SecretForbidden', 'EgressRefused']);
    expect(thief.problems[0]).toMatchObject({
      recheckAfterMs: 30_000,
      message: 'Secret "default/admin-key" (spec.http.headers.authorization.secretRef) may not be used: whoever last wrote this Tool may not get that Secret, and a resource uses only Secrets its last writer may read; have someone who may read it write the Tool',
    });
    expect(envThief.problems).toEqual([expect.objectContaining({ reason: 'SecretForbidden', message: expect.stringContaining('(spec.mcp.server.env.TOKEN.secretRef)') })]);
    expect(connections).toBe(before);
    // And the trusted Tool may use the Secret and reach the loopback listener (probed)
    expect(reasons(await tools.reconcile(tool('trusted', { http })))).toEqual([]);
    expect(connections).toBe(before + 1);
  });

  it('rejects unknown builtins and scripts that do not compile; accepts valid ones', async () => {
    const tools = new ToolReconciler(new InMemoryResourceStore());
    expect(reasons(await tools.reconcile(tool('b', { builtin: 'current-time' })))).toEqual([]);
    expect(reasons(await tools.reconcile(tool('b', { builtin: 'teleport' })))).toEqual(['UnknownBuiltin']);
    expect(reasons(await tools.reconcile(tool('s', { script: { code: 'return { sum: input.a + input.b }' } })))).toEqual([]);
    const bad = await tools.reconcile(tool('s', { script: { code: 'return {{' } }));
    expect(bad.problems).toEqual([expect.objectContaining({ reason: 'InvalidScript', terminal: true })]);
    expect(reasons(await tools.reconcile(tool('none', {})))).toEqual(['InvalidExecutor']);
  });
});
