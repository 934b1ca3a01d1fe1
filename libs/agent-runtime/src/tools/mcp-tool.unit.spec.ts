import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { McpStdioCommand } from '@kastra/api';
import { EgressAllowList, EgressPolicy } from '@kastra/egress';
import { executeTool } from '../execute-tool';
import { ToolExecutionError } from '../tool-errors';
import { resource } from '../testing-fakes';

const noSecrets = async () => undefined;

/** An MCP server (the same SDK) with `add` (structured), `shout` (text) and `broken` (isError). */
function mcpServer(seenMeta: unknown[]): Server {
  const server = new Server({ name: 'test-mcp', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [
      { name: 'add', inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } } },
      { name: 'shout', inputSchema: { type: 'object' } },
      { name: 'broken', inputSchema: { type: 'object' } },
    ],
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    seenMeta.push(request.params._meta);
    const args = (request.params.arguments ?? {}) as Record<string, unknown>;
    if (request.params.name === 'add') {
      const sum = Number(args.a) + Number(args.b);
      return { content: [{ type: 'text', text: String(sum) }], structuredContent: { sum } };
    }
    if (request.params.name === 'shout') return { content: [{ type: 'text', text: String(args.text).toUpperCase() }] };
    return { content: [{ type: 'text', text: 'the disk is on fire' }], isError: true };
  });
  return server;
}

describe('mcp tools', () => {
  let http: HttpServer;
  let url: string;
  let connections = 0;
  let opened: { secrets: typeof noSecrets; egress: { policy: EgressPolicy } };
  const seenMeta: unknown[] = [];

  beforeAll(async () => {
    // Stateless Streamable HTTP: a server and transport per request, as the SDK documents.
    http = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      const server = mcpServer(seenMeta);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => void transport.close().then(() => server.close()));
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
    });
    http.on('connection', () => connections++);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as AddressInfo).port;
    url = `http://127.0.0.1:${port}/mcp`;
    // The operator opened this test server's port (KASTRA_EGRESS_ALLOW).
    opened = { secrets: noSecrets, egress: { policy: new EgressPolicy(new EgressAllowList(`127.0.0.1:${port}`)) } };
  });
  afterAll(() => {
    http.closeAllConnections();
    return new Promise((resolve) => http.close(resolve));
  });

  it('calls a tool of a Streamable HTTP server and returns its structured content', async () => {
    const tool = resource('Tool', 'adder', { mcp: { server: { url }, tool: 'add' } });
    await expect(executeTool(tool, { a: 2, b: 5 }, { ...opened, idempotencyKey: 'k-1' })).resolves.toEqual({ sum: 7 });
    expect(seenMeta).toContainEqual(expect.objectContaining({ idempotencyKey: 'k-1' }));
  });

  it('returns text content when the tool gives no structured content', async () => {
    const tool = resource('Tool', 'shouter', { mcp: { server: { url }, tool: 'shout' } });
    await expect(executeTool(tool, { text: 'hi' }, opened)).resolves.toBe('HI');
  });

  it('turns a tool error and an unreachable server into ToolExecutionError', async () => {
    const broken = resource('Tool', 'broken', { mcp: { server: { url }, tool: 'broken' } });
    await expect(executeTool(broken, {}, opened)).rejects.toMatchObject({ name: 'ToolExecutionError', reason: 'mcp', message: expect.stringContaining('on fire') });
    const gone = resource('Tool', 'gone', { mcp: { server: { url: 'http://127.0.0.1:1/mcp' }, tool: 'add' } });
    const anyLoopback = new EgressPolicy(new EgressAllowList('127.0.0.0/8'));
    await expect(executeTool(gone, {}, { secrets: noSecrets, egress: { policy: anyLoopback }, timeoutMs: 2000 })).rejects.toBeInstanceOf(ToolExecutionError);
  });

  it('cannot reach an MCP server on a private address the operator did not open (egress policy)', async () => {
    // Given the server on 127.0.0.1 and the policy of a process that opens nothing
    const before = connections;
    const tool = resource('Tool', 'internal', { mcp: { server: { url }, tool: 'add' } });
    // When the Tool is called
    const failure = executeTool(tool, { a: 1, b: 1 }, { secrets: noSecrets, egress: { policy: new EgressPolicy() } });
    // Then it is refused by the egress policy and the server saw no connection
    await expect(failure).rejects.toMatchObject({ reason: 'egress_refused', retryable: false, message: expect.stringContaining('127.0.0.1 is a loopback address') });
    expect(connections).toBe(before);
  });
});

describe('mcp tools over stdio: only servers the operator configured', () => {
  let dir: string;
  let script: string;
  let commands: Map<string, McpStdioCommand>;
  const secrets = async (namespace: string, name: string, key: string) => (namespace === 'default' && name === 'mcp' && key === 'token' ? 'tool-token' : undefined);

  beforeAll(() => {
    // A stdio MCP server script answering its pid, uid and whole environment (the SDK is required by absolute path)
    dir = mkdtempSync(join(tmpdir(), 'kastra-mcp-'));
    // Readable by the unprivileged user the server runs as when the tests run as root.
    chmodSync(dir, 0o755);
    script = join(dir, 'server.js');
    writeFileSync(
      script,
      `const { Server } = require(${JSON.stringify(require.resolve('@modelcontextprotocol/sdk/server/index.js'))});
const { StdioServerTransport } = require(${JSON.stringify(require.resolve('@modelcontextprotocol/sdk/server/stdio.js'))});
const { CallToolRequestSchema, ListToolsRequestSchema } = require(${JSON.stringify(require.resolve('@modelcontextprotocol/sdk/types.js'))});
const server = new Server({ name: 'stdio-test', version: '1.0.0' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: [{ name: 'whoami', inputSchema: { type: 'object' } }] }));
server.setRequestHandler(CallToolRequestSchema, async () => ({ content: [{ type: 'text', text: JSON.stringify({ pid: process.pid, uid: process.getuid(), env: process.env }) }] }));
server.connect(new StdioServerTransport());
`,
    );
    chmodSync(script, 0o644);
    commands = new Map([['whoami', { command: process.execPath, args: [script], env: { FIXED: 'by-operator' }, secretEnv: ['TOKEN'] }]]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts a configured server by name with only the operator\'s and the Tool\'s Secret variables, as nobody when root', async () => {
    // Given a Tool naming the configured server and setting TOKEN from a Secret
    const tool = resource('Tool', 'stdio', { mcp: { server: { stdio: 'whoami', env: { TOKEN: { secretRef: { name: 'mcp', key: 'token' } } } }, tool: 'whoami' } });
    // When it is called
    const output = (await executeTool(tool, {}, { secrets, secretAllowed: async () => true, mcpCommands: commands, timeoutMs: 10000 })) as { pid: number; uid: number; env: Record<string, string> };
    // Then another process answered, with exactly the granted environment (nothing of this process's)
    expect(output.pid).not.toBe(process.pid);
    expect(output.env).toEqual({ FIXED: 'by-operator', TOKEN: 'tool-token' });
    // And it did not run as root where this process is root
    if (process.getuid?.() === 0) expect(output.uid).not.toBe(0);
  });

  it('accepts command and args only when they equal a configured server', async () => {
    const tool = resource('Tool', 'stdio-cmd', { mcp: { server: { command: process.execPath, args: [script] }, tool: 'whoami' } });
    await expect(executeTool(tool, {}, { secrets, mcpCommands: commands, timeoutMs: 10000 })).resolves.toMatchObject({ env: { FIXED: 'by-operator' } });
  });

  it('cannot run a command of its choosing: sh -c, other args, unknown names and extra variables are refused before anything starts', async () => {
    // Given a marker file a shell would create
    const marker = join(dir, 'pwned');
    const attempts = [
      { command: 'sh', args: ['-c', `touch ${marker}`] },
      { command: process.execPath, args: ['-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`] },
      { stdio: 'sh' },
      { stdio: 'whoami', env: { NODE_OPTIONS: { secretRef: { name: 'mcp', key: 'token' } } } },
    ];
    for (const [i, server] of attempts.entries()) {
      const tool = resource('Tool', `attack-${i}`, { mcp: { server, tool: 'whoami' } });
      // When each is called, with the configured servers and with none configured
      for (const configured of [commands, new Map<string, McpStdioCommand>()]) {
        // Then each fails as not allowed, not retryable
        await expect(executeTool(tool, {}, { secrets, mcpCommands: configured, timeoutMs: 5000 })).rejects.toMatchObject({ reason: 'mcp_command_not_allowed', retryable: false });
      }
    }
    // And nothing ran
    expect(existsSync(marker)).toBe(false);
  });

  it('reads the configured servers from KASTRA_MCP_COMMANDS', async () => {
    // Given the process configured through its environment
    const saved = process.env.KASTRA_MCP_COMMANDS;
    process.env.KASTRA_MCP_COMMANDS = JSON.stringify({ whoami: { command: process.execPath, args: [script] } });
    try {
      const tool = resource('Tool', 'stdio-env', { mcp: { server: { stdio: 'whoami' }, tool: 'whoami' } });
      const other = resource('Tool', 'stdio-other', { mcp: { server: { stdio: 'other' }, tool: 'whoami' } });
      // Then the configured one runs with an empty environment and another name is refused
      await expect(executeTool(tool, {}, { secrets, timeoutMs: 10000 })).resolves.toMatchObject({ env: {} });
      await expect(executeTool(other, {}, { secrets })).rejects.toMatchObject({ reason: 'mcp_command_not_allowed', message: expect.stringContaining('configured: whoami') });
    } finally {
      if (saved === undefined) delete process.env.KASTRA_MCP_COMMANDS;
      else process.env.KASTRA_MCP_COMMANDS = saved;
    }
  });
});
