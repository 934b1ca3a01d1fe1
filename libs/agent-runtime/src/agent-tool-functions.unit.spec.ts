import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { MockAdapter } from '@kastra/llm';
import type { Resource } from '@kastra/api';
import type { ChatRequest } from './chat-types';
import type { LlmClient } from './llm-client';
import { runAgent } from './run-agent';
import { resource, staticToolResolver } from './testing-fakes';
import { EgressAllowList, EgressPolicy } from '@kastra/egress';

/** The forecast tool as its MCP server declares it: `city` is required. */
const FORECAST_SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string', description: 'City name' }, days: { type: 'integer' } },
  required: ['city', 'days'],
};

/** An MCP server (the SDK's own classes) with `forecast`; it counts its tools/list requests. */
function forecastServer(state: { listings: number; listingFails: boolean; calls: unknown[] }): Server {
  const server = new Server({ name: 'weather', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => {
    state.listings++;
    if (state.listingFails) throw new Error('listing is down');
    return { tools: [{ name: 'other', inputSchema: { type: 'object' } }, { name: 'forecast', description: 'Weather forecast of a city', inputSchema: FORECAST_SCHEMA }] };
  });
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const args = (request.params.arguments ?? {}) as { city?: unknown; days?: unknown };
    state.calls.push(args);
    if (typeof args.city !== 'string') return { content: [{ type: 'text', text: 'city is required' }], isError: true };
    return { content: [{ type: 'text', text: 'ok' }], structuredContent: { city: args.city, days: args.days, sky: 'sunny' } };
  });
  return server;
}

/**
 * The offline mock provider as the agent's model: it calls the first tool once with every
 * required parameter it was told of filled in (strings get the user's message), then answers.
 */
function mockModel(requests: ChatRequest[]): LlmClient {
  const adapter = new MockAdapter();
  return {
    async chat(request) {
      requests.push(structuredClone(request));
      return (await adapter.chat(request, { signal: new AbortController().signal })).completion;
    },
  };
}

describe('an Agent with an MCP Tool that declares no inputSchema', () => {
  let http: HttpServer;
  let url: string;
  let egress: { policy: EgressPolicy };
  const state = { listings: 0, listingFails: false, calls: [] as unknown[] };
  const agent = resource('Agent', 'forecaster', { instructions: 'You tell the weather.', model: { ref: 'mock-llm' }, tools: [{ name: 'forecast' }] }, 'meteo');
  const mcpTool = (uid: string, generation: number, spec: Record<string, unknown> = {}): Resource => {
    const tool = resource('Tool', 'forecast', { mcp: { server: { url }, tool: 'forecast' }, ...spec }, 'meteo');
    return { ...tool, metadata: { ...tool.metadata, uid, generation } };
  };
  const run = (tool: Resource, requests: ChatRequest[] = []) =>
    runAgent(agent, { prompt: 'Lyon' }, { llm: mockModel(requests), tools: staticToolResolver([{ name: 'forecast', tool }], {}, egress), user: 'u' });

  beforeAll(async () => {
    // Stateless Streamable HTTP: a server and transport per request, as the SDK documents.
    http = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      const server = forecastServer(state);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => void transport.close().then(() => server.close()));
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as AddressInfo).port;
    url = `http://127.0.0.1:${port}/mcp`;
    // The operator opened this test server's port (KASTRA_EGRESS_ALLOW).
    egress = { policy: new EgressPolicy(new EgressAllowList(`127.0.0.1:${port}`)) };
  });
  afterAll(() => new Promise((resolve) => http.close(resolve)));
  beforeEach(() => {
    state.listings = 0;
    state.listingFails = false;
    state.calls.length = 0;
  });

  it("tells the model the tool's parameters as its server lists them, so the call carries the arguments", async () => {
    // Given an mcp Tool with neither inputSchema nor description
    const requests: ChatRequest[] = [];
    // When the agent runs and the model calls the tool with what it was told
    const result = await run(mcpTool('tool-a', 1), requests);
    // Then the model saw the server's schema and description
    expect(requests[0].tools).toEqual([{ type: 'function', function: { name: 'forecast', description: 'Weather forecast of a city', parameters: FORECAST_SCHEMA } }]);
    // And the tool got its required arguments and answered
    expect(state.calls).toEqual([{ city: 'Lyon', days: 1 }]);
    expect(result.toolCalls).toEqual([{ id: expect.any(String), name: 'forecast', step: 1, input: { city: 'Lyon', days: 1 }, output: { city: 'Lyon', days: 1, sky: 'sunny' } }]);
  });

  it('lists the tool once per Tool generation, not on every call', async () => {
    // Given a Tool the agent already called
    await run(mcpTool('tool-b', 1));
    expect(state.listings).toBe(1);
    // When the agent runs again, twice at once, with the same generation
    await Promise.all([run(mcpTool('tool-b', 1)), run(mcpTool('tool-b', 1))]);
    // Then the server was not asked again
    expect(state.listings).toBe(1);
    // And an edited Tool (a new generation) is listed again
    await run(mcpTool('tool-b', 2));
    expect(state.listings).toBe(2);
  });

  it("uses the Tool's own inputSchema and description without asking the server", async () => {
    const own = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const requests: ChatRequest[] = [];
    await run(mcpTool('tool-c', 1, { description: 'Our forecast', inputSchema: own }), requests);
    expect(requests[0].tools?.[0].function).toEqual({ name: 'forecast', description: 'Our forecast', parameters: own });
    expect(state.listings).toBe(0);
  });

  it('runs without the parameters when the listing fails, and asks again on the next call', async () => {
    // Given a server whose tools/list fails
    state.listingFails = true;
    const requests: ChatRequest[] = [];
    // When the agent runs, Then the call still completes (the tool is declared without arguments)
    const result = await run(mcpTool('tool-d', 1), requests);
    expect(requests[0].tools?.[0].function.parameters).toEqual({ type: 'object', properties: {} });
    expect(result.toolCalls[0].error).toMatchObject({ type: 'ToolExecutionError', message: expect.stringContaining('city is required') });
    // And once the server lists again, the next call gets the schema (the failure was not kept)
    state.listingFails = false;
    const again: ChatRequest[] = [];
    await run(mcpTool('tool-d', 1), again);
    expect(again[0].tools?.[0].function.parameters).toEqual(FORECAST_SCHEMA);
    expect(state.listings).toBe(2);
  });
});
