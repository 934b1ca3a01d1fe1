import { toolExecutorsOf, type Resource } from '@kastra/api';
import { DEFAULT_TOOL_TIMEOUT_MS, type ToolContext } from './tool-context';
import { ToolExecutionError, ToolInputError } from './tool-errors';
import { toolSecretLookup } from './tool-secret-lookup';
import { jsonSchemaCauses } from './validate-json';
import { runBuiltinTool } from './tools/builtin-tool';
import { runHttpTool } from './tools/http-tool';
import { runMcpTool } from './tools/mcp-tool';
import { toolConnectionOf } from './tools/tool-connection';
import { DEFAULT_SCRIPT_TIMEOUT_MS } from './tools/script-sandbox-limits';
import { runScriptTool } from './tools/script-tool';

/** How a Tool resource is addressed in errors: `namespace.name`. */
export function toolLabel(tool: Resource): string {
  return `${tool.metadata.namespace ?? 'default'}.${tool.metadata.name}`;
}

/**
 * Runs a Tool resource on `input` and resolves to its output. The input is checked against
 * `spec.inputSchema` first (ToolInputError; the tool does not run). Failures of the run itself —
 * timeouts, cancellation, bad status, script errors, a Secret the Tool may not use — are
 * ToolExecutionError.
 */
export async function executeTool(tool: Resource, input: unknown, context: ToolContext): Promise<unknown> {
  // Every Secret read of the run is checked against the Tool's last writer first.
  const ctx: ToolContext = { ...context, secrets: toolSecretLookup(toolLabel(tool), tool, context) };
  const spec = (tool.spec ?? {}) as Record<string, unknown>;
  const label = toolLabel(tool);
  const inputSchema = spec.inputSchema as Record<string, unknown> | undefined;
  if (inputSchema) {
    const causes = jsonSchemaCauses(inputSchema, input, 'input');
    if (causes.length > 0) throw new ToolInputError(label, causes);
  }
  if (ctx.signal?.aborted) throw new ToolExecutionError(label, 'cancelled', `tool ${label} was cancelled before it started`);
  const executors = toolExecutorsOf(spec);
  if (executors.length !== 1) {
    throw new ToolExecutionError(label, 'unsupported', `tool ${label} must set exactly one executor, found ${executors.length}`);
  }
  const timeoutMs = ctx.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
  const namespace = tool.metadata.namespace ?? 'default';
  switch (executors[0]) {
    case 'http':
      return runHttpTool(label, namespace, spec.http as never, input, { ...ctx, timeoutMs, connection: await toolConnectionOf(label, tool, ctx) });
    case 'mcp':
      return runMcpTool(label, spec.mcp as never, input, { ...ctx, namespace, timeoutMs, connection: await toolConnectionOf(label, tool, ctx) });
    case 'builtin':
      // Only http-fetch connects: the others do not pay for the egress policy.
      return runBuiltinTool(label, spec.builtin as string, input, { ...ctx, timeoutMs, connection: () => toolConnectionOf(label, tool, ctx) });
    case 'script': {
      const script = spec.script as { code: string; timeoutMs?: number };
      // The spec limit is the tool author's promise; a caller (a step timeout) may only shorten it.
      const limit = Math.min(script.timeoutMs ?? DEFAULT_SCRIPT_TIMEOUT_MS, ctx.timeoutMs ?? Infinity);
      return runScriptTool(label, script.code, input, { signal: ctx.signal, timeoutMs: limit });
    }
  }
}
