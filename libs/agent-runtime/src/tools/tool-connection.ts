import { mcpStdioCommandsFromEnv, McpCommandsConfigError, type McpStdioCommands, type Resource } from '@kastra/api';
import { denyPrivateEgress, EgressConfigError, EgressPolicy } from '@kastra/egress';
import type { ToolContext } from '../tool-context';
import { ToolExecutionError } from '../tool-errors';

/** Largest response body an http or MCP tool reads when KASTRA_TOOL_MAX_RESPONSE_BYTES is unset. */
export const DEFAULT_TOOL_MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

/** What one run of a Tool may reach: the egress policy, resolved for this Tool, and the body cap. */
export interface ToolConnection {
  policy: EgressPolicy;
  privateAllowed: boolean;
  maxResponseBytes: number;
}

/** KASTRA_TOOL_MAX_RESPONSE_BYTES, a positive integer; otherwise 5 MiB. */
export function toolMaxResponseBytes(env: NodeJS.ProcessEnv = process.env): number {
  const configured = Number(env.KASTRA_TOOL_MAX_RESPONSE_BYTES);
  return Number.isSafeInteger(configured) && configured > 0 ? configured : DEFAULT_TOOL_MAX_RESPONSE_BYTES;
}

/** The connection rules of `tool` for this run; a broken KASTRA_EGRESS_ALLOW fails the run. */
export async function toolConnectionOf(label: string, tool: Resource, ctx: ToolContext): Promise<ToolConnection> {
  let policy: EgressPolicy;
  try {
    policy = ctx.egress?.policy ?? EgressPolicy.fromEnv(process.env);
  } catch (error) {
    if (error instanceof EgressConfigError) throw new ToolExecutionError(label, 'configuration', `tool ${label} cannot run: ${error.message}`);
    throw error;
  }
  const privateAllowed = await (ctx.egress?.privateAllowed ?? denyPrivateEgress)(tool);
  return { policy, privateAllowed, maxResponseBytes: ctx.maxResponseBytes ?? toolMaxResponseBytes(process.env) };
}

/** The operator's stdio MCP servers; a broken KASTRA_MCP_COMMANDS fails the run. */
export function toolMcpCommands(label: string, ctx: { mcpCommands?: McpStdioCommands }): McpStdioCommands {
  try {
    return ctx.mcpCommands ?? mcpStdioCommandsFromEnv(process.env);
  } catch (error) {
    if (error instanceof McpCommandsConfigError) throw new ToolExecutionError(label, 'configuration', `tool ${label} cannot run: ${error.message}`);
    throw error;
  }
}
