import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { resolveMcpStdioServer, type McpStdioCommands } from '@kastra/api';
import { egressFetch } from '@kastra/egress';
import type { SecretLookup, ToolContext } from '../tool-context';
import { ToolExecutionError } from '../tool-errors';
import { connectionFailure } from './connection-failure';
import { McpStdioTransport } from './mcp-stdio-transport';
import { toolMcpCommands, type ToolConnection } from './tool-connection';
import { toolSignal } from './tool-signal';

export interface McpToolSpec {
  server: { url?: string; stdio?: string; command?: string; args?: string[]; env?: Record<string, { secretRef: { name: string; key: string } }> };
  tool: string;
}

/** What connecting to a Tool's MCP server needs. */
export interface McpConnectContext {
  namespace: string;
  secrets: SecretLookup;
  connection: ToolConnection;
  mcpCommands?: McpStdioCommands;
}

/**
 * Calls one tool of an MCP server, over Streamable HTTP (`server.url`, through the egress policy
 * with the response cap) or stdio (a server the operator configured). A session per call: simple
 * and crash-safe; pooling sessions is an optimisation for later. Output: the tool's
 * structuredContent, else its text content (parsed as JSON when it is JSON).
 */
export async function runMcpTool(label: string, spec: McpToolSpec, input: unknown, ctx: ToolContext & McpConnectContext & { timeoutMs: number }): Promise<unknown> {
  const signal = toolSignal(ctx.signal, ctx.timeoutMs);
  const client = mcpClient();
  const requestOptions = { signal, timeout: ctx.timeoutMs };
  try {
    await client.connect(await mcpTransport(label, spec, ctx), requestOptions);
    const result = await client.callTool(
      {
        name: spec.tool,
        arguments: (input && typeof input === 'object' ? input : { input }) as Record<string, unknown>,
        ...(ctx.idempotencyKey ? { _meta: { idempotencyKey: ctx.idempotencyKey } } : {}),
      },
      undefined,
      requestOptions,
    );
    const output = mcpOutput(result);
    if (result.isError) {
      throw new ToolExecutionError(label, 'mcp', `tool ${label}: MCP tool ${spec.tool} failed: ${typeof output === 'string' ? output : JSON.stringify(output)}`);
    }
    return output;
  } catch (error) {
    throw mcpFailure(label, `MCP call ${spec.tool}`, spec, error, { caller: ctx.signal, run: signal, timeoutMs: ctx.timeoutMs });
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** What an MCP server says of one of its tools in `tools/list`. */
export interface McpToolListing {
  description?: string;
  inputSchema: Record<string, unknown>;
}

/**
 * The server's listing of `spec.tool` (`tools/list`, every page), so a model is told the tool's
 * arguments; undefined when the server does not list it. Failures are ToolExecutionError.
 */
export async function listMcpTool(label: string, spec: McpToolSpec, ctx: McpConnectContext & { signal?: AbortSignal; timeoutMs: number }): Promise<McpToolListing | undefined> {
  const signal = toolSignal(ctx.signal, ctx.timeoutMs);
  const client = mcpClient();
  const requestOptions = { signal, timeout: ctx.timeoutMs };
  try {
    await client.connect(await mcpTransport(label, spec, ctx), requestOptions);
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : undefined, requestOptions);
      const found = page.tools.find((tool) => tool.name === spec.tool);
      if (found) return { ...(found.description ? { description: found.description } : {}), inputSchema: found.inputSchema as Record<string, unknown> };
      cursor = page.nextCursor;
    } while (cursor);
    return undefined;
  } catch (error) {
    throw mcpFailure(label, 'MCP tools/list', spec, error, { caller: ctx.signal, run: signal, timeoutMs: ctx.timeoutMs });
  } finally {
    await client.close().catch(() => undefined);
  }
}

function mcpClient(): Client {
  return new Client({ name: 'kastra-agent-runtime', version: '0.1.0' });
}

async function mcpTransport(label: string, spec: McpToolSpec, ctx: McpConnectContext): Promise<Transport> {
  const { policy, privateAllowed, maxResponseBytes } = ctx.connection;
  if (spec.server.url) {
    return new StreamableHTTPClientTransport(new URL(spec.server.url), { fetch: egressFetch(policy, { privateAllowed, maxResponseBytes }) });
  }
  const resolved = resolveMcpStdioServer(spec.server, toolMcpCommands(label, ctx));
  if ('refused' in resolved) throw new ToolExecutionError(label, 'mcp_command_not_allowed', `tool ${label}: ${resolved.refused}`);
  const env: Record<string, string> = { ...resolved.command.env };
  for (const [name, { secretRef }] of Object.entries(spec.server.env ?? {})) {
    const value = await ctx.secrets(ctx.namespace, secretRef.name, secretRef.key);
    // Names only: the value is a secret, its absence is not.
    if (value === undefined) throw new ToolExecutionError(label, 'secret_missing', `tool ${label}: env ${name} needs key ${secretRef.key} of Secret ${ctx.namespace}.${secretRef.name}, which does not exist`);
    env[name] = value;
  }
  return new McpStdioTransport({ command: resolved.command.command, args: resolved.command.args, env, ...(resolved.command.cwd ? { cwd: resolved.command.cwd } : {}) });
}

/** A failed MCP exchange as a ToolExecutionError; an HTTP error is named by its status, never its body. */
function mcpFailure(label: string, what: string, spec: McpToolSpec, error: unknown, signals: { caller?: AbortSignal; run: AbortSignal; timeoutMs: number }): ToolExecutionError {
  if (error instanceof ToolExecutionError) return error;
  const target = spec.server.url ? `${what} at ${originAndPath(spec.server.url)}` : what;
  const failure = connectionFailure(label, target, error, signals);
  if (failure.reason !== 'network') return failure;
  const message = error instanceof StreamableHTTPError ? `the MCP server answered HTTP ${error.code}` : (error as Error).message;
  return new ToolExecutionError(label, 'mcp', `tool ${label}: ${target} failed: ${message}`, true);
}

function originAndPath(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return 'an invalid URL';
  }
}

function mcpOutput(result: { content?: unknown; structuredContent?: unknown; toolResult?: unknown }): unknown {
  if (result.structuredContent !== undefined) return result.structuredContent;
  if (result.toolResult !== undefined) return result.toolResult;
  const content = Array.isArray(result.content) ? (result.content as Array<{ type: string; text?: string }>) : [];
  const texts = content.filter((part) => part.type === 'text').map((part) => part.text ?? '');
  if (texts.length === 1) {
    try {
      return JSON.parse(texts[0]);
    } catch {
      return texts[0];
    }
  }
  return texts.length > 0 ? texts : content;
}
