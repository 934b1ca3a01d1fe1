import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { ToolContext } from '../tool-context';
import { ToolExecutionError } from '../tool-errors';
import { toolSignal } from './tool-signal';

export interface McpToolSpec {
  server: { url?: string; command?: string; args?: string[] };
  tool: string;
}

/**
 * Calls one tool of an MCP server, over Streamable HTTP (`server.url`) or stdio
 * (`server.command`). A session per call: simple and crash-safe; pooling sessions is an
 * optimisation for later. Output: the tool's structuredContent, else its text content (parsed
 * as JSON when it is JSON).
 */
export async function runMcpTool(label: string, spec: McpToolSpec, input: unknown, ctx: ToolContext & { timeoutMs: number }): Promise<unknown> {
  const signal = toolSignal(ctx.signal, ctx.timeoutMs);
  const client = mcpClient();
  const requestOptions = { signal, timeout: ctx.timeoutMs };
  try {
    await client.connect(mcpTransport(spec), requestOptions);
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
    if (error instanceof ToolExecutionError) throw error;
    if (signal.aborted) {
      throw ctx.signal?.aborted
        ? new ToolExecutionError(label, 'cancelled', `tool ${label} was cancelled`)
        : new ToolExecutionError(label, 'timeout', `tool ${label} did not finish within ${ctx.timeoutMs} ms`, true);
    }
    throw new ToolExecutionError(label, 'mcp', `tool ${label}: MCP call ${spec.tool} failed: ${(error as Error).message}`, true);
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
export async function listMcpTool(label: string, spec: McpToolSpec, ctx: { signal?: AbortSignal; timeoutMs: number }): Promise<McpToolListing | undefined> {
  const signal = toolSignal(ctx.signal, ctx.timeoutMs);
  const client = mcpClient();
  const requestOptions = { signal, timeout: ctx.timeoutMs };
  try {
    await client.connect(mcpTransport(spec), requestOptions);
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : undefined, requestOptions);
      const found = page.tools.find((tool) => tool.name === spec.tool);
      if (found) return { ...(found.description ? { description: found.description } : {}), inputSchema: found.inputSchema as Record<string, unknown> };
      cursor = page.nextCursor;
    } while (cursor);
    return undefined;
  } catch (error) {
    if (ctx.signal?.aborted) throw new ToolExecutionError(label, 'cancelled', `tool ${label} was cancelled`);
    if (signal.aborted) throw new ToolExecutionError(label, 'timeout', `tool ${label}: MCP tools/list did not answer within ${ctx.timeoutMs} ms`, true);
    throw new ToolExecutionError(label, 'mcp', `tool ${label}: MCP tools/list failed: ${(error as Error).message}`, true);
  } finally {
    await client.close().catch(() => undefined);
  }
}

function mcpClient(): Client {
  return new Client({ name: 'kastra-agent-runtime', version: '0.1.0' });
}

function mcpTransport(spec: McpToolSpec): Transport {
  return spec.server.url
    ? new StreamableHTTPClientTransport(new URL(spec.server.url))
    : // The SDK passes only a safe default environment (PATH, HOME...) to the server process.
      new StdioClientTransport({ command: spec.server.command!, args: spec.server.args ?? [], stderr: 'ignore' });
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
