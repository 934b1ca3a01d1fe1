import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
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
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  });
  afterAll(() => new Promise((resolve) => http.close(resolve)));

  it('calls a tool of a Streamable HTTP server and returns its structured content', async () => {
    const tool = resource('Tool', 'adder', { mcp: { server: { url }, tool: 'add' } });
    await expect(executeTool(tool, { a: 2, b: 5 }, { secrets: noSecrets, idempotencyKey: 'k-1' })).resolves.toEqual({ sum: 7 });
    expect(seenMeta).toContainEqual(expect.objectContaining({ idempotencyKey: 'k-1' }));
  });

  it('returns text content when the tool gives no structured content', async () => {
    const tool = resource('Tool', 'shouter', { mcp: { server: { url }, tool: 'shout' } });
    await expect(executeTool(tool, { text: 'hi' }, { secrets: noSecrets })).resolves.toBe('HI');
  });

  it('turns a tool error and an unreachable server into ToolExecutionError', async () => {
    const broken = resource('Tool', 'broken', { mcp: { server: { url }, tool: 'broken' } });
    await expect(executeTool(broken, {}, { secrets: noSecrets })).rejects.toMatchObject({ name: 'ToolExecutionError', reason: 'mcp', message: expect.stringContaining('on fire') });
    const gone = resource('Tool', 'gone', { mcp: { server: { url: 'http://127.0.0.1:1/mcp' }, tool: 'add' } });
    await expect(executeTool(gone, {}, { secrets: noSecrets, timeoutMs: 2000 })).rejects.toBeInstanceOf(ToolExecutionError);
  });

  it('calls a tool of a stdio server process', async () => {
    // Given a stdio MCP server script (the SDK is required by absolute path: the SDK gives the
    // child only a minimal environment, so NODE_PATH would not carry over)
    const dir = mkdtempSync(join(tmpdir(), 'kastra-mcp-'));
    const script = join(dir, 'server.js');
    writeFileSync(
      script,
      `const { Server } = require(${JSON.stringify(require.resolve('@modelcontextprotocol/sdk/server/index.js'))});
const { StdioServerTransport } = require(${JSON.stringify(require.resolve('@modelcontextprotocol/sdk/server/stdio.js'))});
const { CallToolRequestSchema, ListToolsRequestSchema } = require(${JSON.stringify(require.resolve('@modelcontextprotocol/sdk/types.js'))});
const server = new Server({ name: 'stdio-test', version: '1.0.0' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: [{ name: 'pid', inputSchema: { type: 'object' } }] }));
server.setRequestHandler(CallToolRequestSchema, async () => ({ content: [{ type: 'text', text: JSON.stringify({ pid: process.pid }) }] }));
server.connect(new StdioServerTransport());
`,
    );
    try {
      const tool = resource('Tool', 'stdio', { mcp: { server: { command: process.execPath, args: [script] }, tool: 'pid' } });
      // When it is called, Then the answer comes from another process (the text is parsed as JSON)
      const output = (await executeTool(tool, {}, { secrets: noSecrets, timeoutMs: 10000 })) as { pid: number };
      expect(typeof output.pid).toBe('number');
      expect(output.pid).not.toBe(process.pid);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
