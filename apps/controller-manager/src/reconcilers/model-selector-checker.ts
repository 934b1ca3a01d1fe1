import { LLM_PROVIDERS } from '@kastra/api';
import { judgeModelKeys, normalizeProviderName, providerDefaultKey, providerNeedsBaseUrl, type ProviderName } from '@kastra/llm/provider-table';
import type { ResourceStore } from '@kastra/resource-store';
import type { Problem } from '../assessment';
import { notReadyBecause } from '../reference-checker';
import { ENV_RECHECK_MS } from './llm-reconciler';
import { providerDisabledProblem } from './provider-disabled-problem';

export interface ModelSelectorCheckerOptions {
  /** Where providers' default keys are looked up (assumed to be the llm-proxy's too). @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default 30 s */
  envRecheckMs?: number;
}

/** What keeps a model selector from being served, and when to look again even if nothing does. */
export interface ModelSelectorCheck {
  problems: Problem[];
  /** Set when a Ready LLM the spec does not refer to serves it: a change of that LLM wakes nobody. */
  recheckAfterMs?: number;
}

/**
 * Whether a model selector (`{ref}` or `{provider, name}`) names a model the llm-proxy will
 * serve. A `ref` is left to the reference check (the LLM must be Ready). An inline
 * `provider/name` is served, as the proxy resolves it (apps/llm-proxy/src/registry/model-registry.ts),
 * by the provider's defaults — its default endpoint and, when it requires a key, its default key —
 * or by a callable registry model of that provider and model: here, a Ready LLM with that
 * `spec.provider` and `spec.model`, in any namespace. Models an admin registered in the proxy are
 * not visible here, so an inline model only they serve shows not Ready.
 */
export class ModelSelectorChecker {
  constructor(private readonly store: ResourceStore, private readonly options: ModelSelectorCheckerOptions = {}) {}

  async check(model: unknown, field: string): Promise<ModelSelectorCheck> {
    const selector = (typeof model === 'object' && model !== null ? model : {}) as { ref?: unknown; provider?: unknown; name?: unknown };
    if (selector.ref !== undefined) return { problems: [] };
    if (selector.provider === undefined || typeof selector.name !== 'string' || selector.name === '') {
      const message = `no model is set (${field}): set ${field}.ref to an LLM (namespace.name), or ${field}.provider and ${field}.name`;
      return { problems: [{ reason: 'ModelMissing', message, terminal: true }] };
    }
    const provider = (LLM_PROVIDERS as readonly string[]).includes(String(selector.provider)) ? normalizeProviderName(String(selector.provider)) : undefined;
    if (!provider) {
      const message = `provider "${String(selector.provider)}" is not supported (${field}.provider): use one of ${LLM_PROVIDERS.join(', ')}`;
      return { problems: [{ reason: 'UnknownProvider', message, terminal: true }] };
    }
    const env = this.options.env ?? process.env;
    // Nothing signals a change of the environment or of an LLM this spec does not refer to: look again.
    const recheckAfterMs = this.options.envRecheckMs ?? ENV_RECHECK_MS;
    const disabled = providerDisabledProblem(provider, env, recheckAfterMs);
    if (disabled) return { problems: [disabled] };
    const defaults = servedByDefaults(provider, env);
    if (defaults.served) return { problems: [] };
    if (await this.servedByReadyLlm(provider, selector.name)) return { problems: [], recheckAfterMs };
    const handle = `${provider}/${selector.name}`;
    if (defaults.missing === 'endpoint') {
      const message = `provider ${provider} has no default endpoint, so no Ready LLM serves ${handle} (${field}): apply an LLM with provider ${provider}, model ${selector.name} and spec.options.baseURL, and refer to it with ${field}.ref`;
      return { problems: [{ reason: 'BaseURLMissing', message, recheckAfterMs }] };
    }
    const variable = defaults.variable ?? `the default key of ${provider}`;
    const message = `no Ready LLM serves ${handle} (${field}) and ${variable} is not set: set ${variable} in the environment of Kastra, or apply an LLM with provider ${provider} and model ${selector.name} (and refer to it with ${field}.ref)`;
    return { problems: [{ reason: 'APIKeyMissing', message, recheckAfterMs }] };
  }

  private async servedByReadyLlm(provider: ProviderName, model: string): Promise<boolean> {
    const { items } = await this.store.list({ kind: 'LLM' });
    return items.some((llm) => {
      const spec = (llm.spec ?? {}) as { provider?: unknown; model?: unknown };
      return spec.provider === provider && spec.model === model && notReadyBecause(llm) === undefined;
    });
  }
}

/** The proxy's provider defaults: a default endpoint, and a key when the provider requires one. */
function servedByDefaults(provider: ProviderName, env: NodeJS.ProcessEnv): { served: true } | { served: false; missing: 'endpoint' | 'key'; variable?: string } {
  if (providerNeedsBaseUrl(provider)) return { served: false, missing: 'endpoint' };
  const verdict = judgeModelKeys(provider, [], { defaultKeyAvailable: providerDefaultKey(provider, env) !== undefined });
  if (verdict.callable) return { served: true };
  return { served: false, missing: 'key', ...(verdict.missing === 'defaultKeyMissing' && verdict.variable ? { variable: verdict.variable } : {}) };
}
