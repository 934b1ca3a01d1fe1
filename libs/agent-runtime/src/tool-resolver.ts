import { NotFoundError, parseReference, type Resource } from '@kastra/api';
import type { SecretLookup, ToolContext } from './tool-context';

/** A Tool an agent may call, under the name the model sees. */
export interface AgentTool {
  name: string;
  tool: Resource;
}

/** Where the runtime gets an agent's Tool resources and the Secret values their headers use. */
export interface ToolResolver {
  /** The agent's `spec.tools` resolved to Tool resources; a missing Tool is a NotFoundError. */
  toolsOf(agent: Resource): Promise<AgentTool[]>;
  secrets: SecretLookup;
  /** Which Secrets each Tool may use. @default ToolContext's default: none */
  secretAllowed?: ToolContext['secretAllowed'];
  /** Where the tools may connect. @default ToolContext's default (KASTRA_EGRESS_ALLOW, no private egress) */
  egress?: ToolContext['egress'];
}

/** The store operations a resolver needs (the ResourceStore and PostgresResourceStore have them). */
export interface ToolSource {
  get(key: { kind: string; namespace: string; name: string }): Promise<Resource | undefined>;
  revealSecretValue?(namespace: string, name: string, key: string): Promise<string | undefined>;
}

/**
 * Resolves an agent's tools from a resource store; `access` says which Secrets and addresses its
 * Tools may use (without it: no Secret, no private address).
 */
export function storeToolResolver(store: ToolSource, access: Pick<ToolResolver, 'secretAllowed' | 'egress'> = {}): ToolResolver {
  return {
    ...(access.secretAllowed ? { secretAllowed: access.secretAllowed } : {}),
    ...(access.egress ? { egress: access.egress } : {}),
    async toolsOf(agent) {
      const namespace = agent.metadata.namespace ?? 'default';
      const entries = ((agent.spec ?? {}) as { tools?: Array<{ name: string; refName?: string }> }).tools ?? [];
      return Promise.all(
        entries.map(async (entry) => {
          const key = parseReference(entry.refName ?? entry.name, { defaultNamespace: namespace, kind: 'Tool' });
          const tool = await store.get(key);
          if (!tool) throw new NotFoundError('tools', `${key.namespace}.${key.name}`);
          return { name: entry.name, tool };
        }),
      );
    },
    secrets: async (namespace, name, key) => store.revealSecretValue?.(namespace, name, key),
  };
}
