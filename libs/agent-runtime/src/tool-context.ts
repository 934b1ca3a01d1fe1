import type { McpStdioCommands, Resource } from '@kastra/api';
import type { EgressPolicy, PrivateEgressResolver } from '@kastra/egress';
import type { NetworkState } from '@kastra/network-state';

/** Reads one key of a Secret in clear (for http header values); undefined when missing. */
export type SecretLookup = (namespace: string, name: string, key: string) => Promise<string | undefined>;

/**
 * Whether `resource` may use the value of Secret `secret`: true when whoever last wrote the
 * resource may read that Secret (`lastWriterPermissions(...).mayUseSecret` of `@kastra/rbac`).
 */
export type SecretUseResolver = (resource: Resource, secret: { namespace: string; name: string }) => Promise<boolean>;

/** No Tool may use any Secret: the default where nobody decides. */
export const denySecretUse: SecretUseResolver = async () => false;

/** What a tool run may use and must respect. */
export interface ToolContext {
  /** Cancels the run: the tool stops and fails with reason `cancelled`. */
  signal?: AbortSignal;
  /**
   * Stable across every attempt of the same logical call (a workflow step, a tool call of an
   * agent step); http tools send it as the `Idempotency-Key` header.
   */
  idempotencyKey?: string;
  secrets: SecretLookup;
  /**
   * Asked before every Secret read of the run (http headers, MCP env), for the running Tool: a
   * Secret it may not use fails the run `secret_forbidden` before anything is sent.
   * @default no Tool may use any Secret
   */
  secretAllowed?: SecretUseResolver;
  /** Wall-clock limit of one run. @default 30000 (script tools: their spec.script.timeoutMs, default 1000) */
  timeoutMs?: number;
  /**
   * Where http, http-fetch and MCP-over-HTTP tools may connect. @default the policy of this
   * process's KASTRA_EGRESS_ALLOW, and no Tool may reach private addresses
   */
  egress?: { policy?: EgressPolicy; privateAllowed?: PrivateEgressResolver };
  /** Largest response body an http or MCP tool reads. @default KASTRA_TOOL_MAX_RESPONSE_BYTES, else 5 MiB */
  maxResponseBytes?: number;
  /** The stdio MCP servers Tools may start. @default this process's KASTRA_MCP_COMMANDS */
  mcpCommands?: McpStdioCommands;
  /**
   * The network the agent runs in, when it is a member of one: `network-state-get` and
   * `network-state-set` read and write its state (outside a network they fail `not_in_network`).
   */
  network?: { state: NetworkState };
}

export const DEFAULT_TOOL_TIMEOUT_MS = 30_000;
