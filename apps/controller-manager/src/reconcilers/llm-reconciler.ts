import { DEFAULT_NAMESPACE, LLM_PROVIDERS, type Resource } from '@kastra/api';
import {
  allowedEnvReferences,
  envKeyReferenceRefusal,
  judgeModelKeys,
  normalizeProviderName,
  PROVIDER_DEFAULTS,
  providerDefaultKey,
  providerNeedsBaseUrl,
  usesDefaultEndpoint,
  type ProviderName,
} from '@kastra/llm/provider-table';
import { DENY_ALL_PERMISSIONS, type ResourcePermissions } from '@kastra/rbac';
import type { ResourceStore } from '@kastra/resource-store';
import type { Assessment, Problem } from '../assessment';
import type { KindReconciler } from '../kind-reconciler';
import { ReferenceChecker } from '../reference-checker';
import { providerDisabledProblem } from './provider-disabled-problem';
import { secretKeyProblem } from './secret-key-problem';
import { secretUseProblem } from './secret-use-problem';

const ENV_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
/** How often a problem only the environment can fix is looked at again. */
export const ENV_RECHECK_MS = 30_000;

export interface LlmReconcilerOptions {
  /**
   * Where `${ENV}` keys and providers' default keys are looked up. The llm-proxy looks them up in
   * its own environment; this one is assumed to be the same (the stack's shared environment:
   * `npm start`, docker-compose's `kastra-env`). @default process.env
   */
  env?: NodeJS.ProcessEnv;
  /**
   * How often a missing environment key is looked at again. Environment changes reach a running
   * process only through a restart, so this mostly notices keys of a restarted replica.
   * @default 30 s
   */
  envRecheckMs?: number;
  /** Which Secrets an LLM may use: those its last writer may read, as the llm-proxy decides. @default none */
  permissions?: ResourcePermissions;
}

/** One source of keys of the spec (apiKey, apiKeys, secretRef): its keys, and what to say when none is usable. */
interface KeySource {
  keys: Array<{ usable: boolean }>;
  problem?: Problem;
}

/**
 * An LLM is Ready when the llm-proxy can call it: its provider is known and on, it has an
 * endpoint, and its keys pass `judgeModelKeys` of the provider table — the rule the proxy applies
 * to the same spec (apps/llm-proxy/src/registry/llm-resource-keys.ts): one usable key of its own
 * is enough; a spec with keys that are all unusable is not Ready even when the provider's default
 * key is set; a spec without keys uses that default key when the provider needs one.
 */
export class LlmReconciler implements KindReconciler {
  readonly kind = 'LLM';
  private readonly references: ReferenceChecker;

  constructor(private readonly store: ResourceStore, private readonly options: LlmReconcilerOptions = {}) {
    this.references = new ReferenceChecker(store);
  }

  async reconcile(llm: Resource): Promise<Assessment> {
    const spec = (llm.spec ?? {}) as Record<string, unknown>;
    const provider = String(spec.provider);
    // Fallbacks only need to exist: requiring them Ready would make mutual fallbacks wait forever.
    const problems = await this.references.check(llm, { existenceOnly: ['Secret', 'LLM'] });
    const name = (LLM_PROVIDERS as readonly string[]).includes(provider) ? normalizeProviderName(provider) : undefined;
    if (!name) {
      problems.push({
        reason: 'UnknownProvider',
        message: `provider "${provider}" is not supported (spec.provider): use one of ${LLM_PROVIDERS.join(', ')}`,
        terminal: true,
      });
      return { problems, readyMessage: '' };
    }
    const disabled = providerDisabledProblem(name, this.env, this.recheckAfterMs);
    if (disabled) problems.push(disabled);
    const options = (spec.options ?? {}) as { baseURL?: unknown };
    if (providerNeedsBaseUrl(name) && !(typeof options.baseURL === 'string' && options.baseURL !== '')) {
      problems.push({
        reason: 'BaseURLMissing',
        message: `provider ${name} has no default endpoint: set spec.options.baseURL to the server's URL`,
        terminal: true,
      });
    }
    problems.push(...(await this.keyProblems(llm, spec, name)));
    return { problems, readyMessage: `${name} model ${String(spec.model)} is available through llm-proxy` };
  }

  private get env(): NodeJS.ProcessEnv {
    return this.options.env ?? process.env;
  }

  private get recheckAfterMs(): number {
    return this.options.envRecheckMs ?? ENV_RECHECK_MS;
  }

  private async keyProblems(llm: Resource, spec: Record<string, unknown>, provider: ProviderName): Promise<Problem[]> {
    const problems: Problem[] = [];
    const sources: KeySource[] = [];
    const baseURL = ((spec.options ?? {}) as { baseURL?: unknown }).baseURL;
    const allowed = allowedEnvReferences(this.env);
    // A reference the rule refuses is never read by the proxy: the LLM is not Ready, whatever its other keys.
    const refused = (variable: string, field: string): boolean => {
      const refusal = envKeyReferenceRefusal(provider, variable, { baseURL, field, allowed });
      if (refusal) problems.push({ reason: 'EnvReferenceNotAllowed', message: refusal, recheckAfterMs: this.recheckAfterMs });
      return refusal !== undefined;
    };
    if (spec.apiKey !== undefined) {
      const match = typeof spec.apiKey === 'string' ? ENV_REFERENCE.exec(spec.apiKey) : null;
      if (match && refused(match[1], 'spec.apiKey')) {
        sources.push({ keys: [{ usable: false }] });
      } else if (!match) {
        // Never echo the value: it may be a literal key that slipped past validation.
        problems.push({
          reason: 'InvalidAPIKeyReference',
          message: 'spec.apiKey must be an environment reference such as ${OPENAI_API_KEY}; keep literal keys in a Secret and use spec.secretRef',
          terminal: true,
        });
        sources.push({ keys: [{ usable: false }] });
      } else {
        sources.push({
          keys: [{ usable: !!this.env[match[1]] }],
          problem: {
            reason: 'APIKeyMissing',
            message: `environment variable ${match[1]} is not set: set it in the environment of Kastra or use spec.secretRef`,
            recheckAfterMs: this.recheckAfterMs,
          },
        });
      }
    }
    if (Array.isArray(spec.apiKeys) && spec.apiKeys.length > 0) {
      const names = spec.apiKeys.map((ref) => (typeof ref === 'string' ? ENV_REFERENCE.exec(ref)?.[1] : undefined));
      const refusedNames = new Set(names.filter((name, i): name is string => !!name && refused(name, `spec.apiKeys[${i}]`)));
      const missing = names.filter((name): name is string => !!name && !refusedNames.has(name));
      sources.push({
        keys: names.map((name) => ({ usable: !!name && !refusedNames.has(name) && !!this.env[name] })),
        ...(missing.length > 0
          ? {
              problem: {
                reason: 'APIKeyMissing',
                message: `none of the environment variables of spec.apiKeys is set (${missing.join(', ')}): set at least one in the environment of Kastra or use spec.secretRef`,
                recheckAfterMs: this.recheckAfterMs,
              },
            }
          : {}),
      });
    }
    const secretRef = spec.secretRef as { name?: unknown; key?: unknown } | undefined;
    if (secretRef && typeof secretRef.name === 'string' && typeof secretRef.key === 'string') {
      const namespace = llm.metadata.namespace ?? DEFAULT_NAMESPACE;
      // The proxy never reads a Secret the LLM may not use and refuses every call (no_key), whatever its other
      // keys; a provider called without a key sends none anyway.
      const forbidden = PROVIDER_DEFAULTS[provider].apiKey === 'none'
        ? undefined
        : await secretUseProblem(this.options.permissions ?? DENY_ALL_PERMISSIONS, llm, { namespace, name: secretRef.name }, 'spec.secretRef', this.recheckAfterMs);
      if (forbidden) problems.push(forbidden);
      const selector = { name: secretRef.name, key: secretRef.key };
      const exists = await this.store.get({ kind: 'Secret', namespace, name: selector.name });
      // A missing Secret is already ReferenceNotFound; a Secret without the key is SecretKeyMissing.
      const problem = exists ? await secretKeyProblem(this.store, namespace, selector, 'spec.secretRef.key') : undefined;
      sources.push({ keys: [{ usable: !forbidden && !!exists && !problem }], ...(problem ? { problem } : {}) });
    }

    const verdict = judgeModelKeys(provider, sources.flatMap((source) => source.keys), {
      defaultKeyAvailable: providerDefaultKey(provider, this.env) !== undefined,
      customEndpoint: !usesDefaultEndpoint(provider, baseURL),
    });
    if (verdict.callable) return problems;
    if (verdict.missing === 'ownKeysUnusable') {
      for (const source of sources) if (source.problem) problems.push(source.problem);
      return problems;
    }
    if (verdict.missing === 'secretKeyRequired') {
      problems.push({
        reason: 'APIKeyMissing',
        message: `provider ${provider} needs an API key, and an LLM with an endpoint of its own (spec.options.baseURL) is never given the provider's default key: set spec.secretRef`,
        terminal: true,
      });
      return problems;
    }
    const example = `\${${verdict.variable ?? `${provider.toUpperCase().replace(/-/g, '_')}_API_KEY`}}`;
    const defaultKey = verdict.variable ? `set ${verdict.variable} in the environment of Kastra (the provider's default key), or ` : '';
    problems.push({
      reason: 'APIKeyMissing',
      message: `provider ${provider} needs an API key and none is configured: ${defaultKey}set spec.apiKey (e.g. ${example}) or spec.secretRef`,
      recheckAfterMs: this.recheckAfterMs,
    });
    return problems;
  }
}
