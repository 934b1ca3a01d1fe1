import type { Resource } from '@kastra/api';
import { denySecretUse, type SecretLookup, type ToolContext } from './tool-context';
import { ToolExecutionError } from './tool-errors';

/**
 * The Secret reads of one run of `tool`: each Secret is first checked with `ctx.secretAllowed`
 * for this Tool (once per Secret and run), and one it may not use fails the run
 * `secret_forbidden` — named, never read. Every Secret a tool run reads goes through here, so no
 * executor (http headers, MCP env, whatever comes next) can skip the rule.
 */
export function toolSecretLookup(label: string, tool: Resource, ctx: Pick<ToolContext, 'secrets' | 'secretAllowed'>): SecretLookup {
  const allowed = ctx.secretAllowed ?? denySecretUse;
  const decisions = new Map<string, Promise<boolean>>();
  return async (namespace, name, key) => {
    const id = `${namespace}/${name}`;
    let decision = decisions.get(id);
    if (!decision) {
      decision = allowed(tool, { namespace, name });
      decisions.set(id, decision);
      // A failed decision (the store away) is asked again on the next read.
      decision.catch(() => decisions.delete(id));
    }
    if (!(await decision)) {
      throw new ToolExecutionError(label, 'secret_forbidden', `tool ${label} may not use Secret ${namespace}.${name}: whoever last wrote the Tool may not read it`);
    }
    return ctx.secrets(namespace, name, key);
  };
}
