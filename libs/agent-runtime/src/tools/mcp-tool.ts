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
  const transport: Transport = spec.server.url
    ? new StreamableHTTPClientTransport(new URL(spec.server.url))
    : // The SDK passes only a safe default environment (PATH, HOME...) to the server process.
      new StdioClientTransport({ command: spec.server.command!, args: spec.server.args ?? [], stderr: 'ignore' });
  const client = new Client({ name: 'kastra-agent-runtime', version: '0.1.0' });
  const requestOptions = { signal, timeout: ctx.timeoutMs };
  try {
    await client.connect(transport, requestOptions);
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
