import type { Resource } from '@kastra/api';
import type { ChatFunctionTool } from './chat-types';
import { toolLabel } from './execute-tool';
import { DEFAULT_TOOL_TIMEOUT_MS, type ToolContext } from './tool-context';
import { toolSecretLookup } from './tool-secret-lookup';
import type { AgentTool } from './tool-resolver';
import { listMcpTool, type McpToolListing, type McpToolSpec } from './tools/mcp-tool';
import { toolConnectionOf } from './tools/tool-connection';

/** What the model is told of a tool that declares no arguments (and of one whose listing failed). */
const NO_ARGUMENTS = { type: 'object', properties: {} };
/** Listings kept; a Tool edited many times leaves old generations behind, so the oldest go. */
const MAX_LISTINGS = 500;
/** A model call should not wait long on one MCP server's listing. */
const MAX_LISTING_MS = 10_000;

/** `tools/list` answers per Tool resource generation (and MCP endpoint), in flight or done. */
const mcpListings = new Map<string, Promise<McpToolListing | undefined>>();

interface ToolSpec {
  description?: string;
  inputSchema?: Record<string, unknown>;
  mcp?: McpToolSpec;
}

/**
 * The function declarations the model sees for an agent's tools. A Tool's own `inputSchema` and
 * `description` win; an `mcp` Tool without them gets what its server lists for the tool, asked
 * once per Tool generation — without it the model would be told the tool takes no arguments.
 * A listing that fails is not kept (the next call asks again) and the tool is declared without
 * arguments for this call.
 */
export async function agentToolFunctions(tools: AgentTool[], options: ListingOptions): Promise<ChatFunctionTool[]> {
  return Promise.all(
    tools.map(async ({ name, tool }) => {
      const spec = (tool.spec ?? {}) as ToolSpec;
      const listing = spec.mcp && (!spec.inputSchema || !spec.description) ? await mcpListingOf(tool, spec.mcp, options) : undefined;
      return {
        type: 'function' as const,
        function: {
          name,
          description: spec.description ?? listing?.description,
          parameters: spec.inputSchema ?? listing?.inputSchema ?? NO_ARGUMENTS,
        },
      };
    }),
  );
}

/** How listings are asked: the caller's limits, and what a Tool's connection needs (Secrets for a stdio server's env, egress). */
type ListingOptions = Pick<ToolContext, 'secrets' | 'secretAllowed' | 'egress' | 'maxResponseBytes' | 'mcpCommands'> & { signal?: AbortSignal; timeoutMs?: number };

async function mcpListingOf(tool: Resource, mcp: McpToolSpec, options: ListingOptions): Promise<McpToolListing | undefined> {
  const key = `${tool.metadata.uid ?? toolLabel(tool)}@${tool.metadata.generation ?? tool.metadata.resourceVersion ?? ''}:${JSON.stringify(mcp)}`;
  let listing = mcpListings.get(key);
  if (!listing) {
    // Shared by concurrent calls, so bounded by time only: one caller's cancel must not fail it for the others.
    const label = toolLabel(tool);
    const pending = toolConnectionOf(label, tool, options).then((connection) =>
      listMcpTool(label, mcp, {
        namespace: tool.metadata.namespace ?? 'default',
        // A stdio server started to list its tools gets only the Secrets the Tool may use, as a run does.
        secrets: toolSecretLookup(label, tool, options),
        connection,
        ...(options.mcpCommands ? { mcpCommands: options.mcpCommands } : {}),
        timeoutMs: Math.min(options.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS, MAX_LISTING_MS),
      }),
    );
    listing = pending;
    mcpListings.set(key, pending);
    if (mcpListings.size > MAX_LISTINGS) mcpListings.delete(mcpListings.keys().next().value!);
    // A failure, or a server that does not list the tool (yet), is asked again on the next call.
    const forget = () => void (mcpListings.get(key) === pending && mcpListings.delete(key));
    pending.then((found) => found === undefined && forget(), forget);
  }
  return untilAborted(listing, options.signal);
}

/** The listing, or undefined once it failed or the caller gave up (runAgent then stops as cancelled). */
function untilAborted(listing: Promise<McpToolListing | undefined>, signal: AbortSignal | undefined): Promise<McpToolListing | undefined> {
  return new Promise((resolve) => {
    const onAbort = () => resolve(undefined);
    if (signal?.aborted) return resolve(undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
    listing.then(resolve, () => resolve(undefined)).finally(() => signal?.removeEventListener('abort', onAbort));
  });
}
