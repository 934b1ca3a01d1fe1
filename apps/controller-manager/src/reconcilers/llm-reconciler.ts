import { DEFAULT_NAMESPACE, LLM_PROVIDERS, type Resource } from '@kastra/api';
import type { ResourceStore } from '@kastra/resource-store';
import type { Assessment, Problem } from '../assessment';
import type { KindReconciler } from '../kind-reconciler';
import { ReferenceChecker } from '../reference-checker';
import { secretKeyProblem } from './secret-key-problem';

/** Providers that run without a key (local servers). */
const KEYLESS_PROVIDERS = new Set(['mock', 'ollama', 'openai-compatible']);
const ENV_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

export interface LlmReconcilerOptions {
  /** Where `${ENV}` keys are looked up. @default process.env */
  env?: NodeJS.ProcessEnv;
  /**
   * How often a missing environment key is looked at again. Environment changes reach a running
   * process only through a restart, so this mostly notices keys of a restarted replica.
   * @default 30 s
   */
  envRecheckMs?: number;
}

/** An LLM is Ready when its provider is known and its key resolves (llm-proxy does the calling). */
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
    if (!(LLM_PROVIDERS as readonly string[]).includes(provider)) {
      problems.push({
        reason: 'UnknownProvider',
        message: `provider "${provider}" is not supported (spec.provider): use one of ${LLM_PROVIDERS.join(', ')}`,
        terminal: true,
      });
    }
    problems.push(...(await this.keyProblems(llm, spec, provider)));
    return { problems, readyMessage: `${provider} model ${String(spec.model)} is available through llm-proxy` };
  }

  private async keyProblems(llm: Resource, spec: Record<string, unknown>, provider: string): Promise<Problem[]> {
    const env = this.options.env ?? process.env;
    const recheckAfterMs = this.options.envRecheckMs ?? 30_000;
    const problems: Problem[] = [];
    let configured = false;
    if (spec.apiKey !== undefined) {
      configured = true;
      const match = typeof spec.apiKey === 'string' ? ENV_REFERENCE.exec(spec.apiKey) : null;
      if (!match) {
        // Never echo the value: it may be a literal key that slipped past validation.
        problems.push({
          reason: 'InvalidAPIKeyReference',
          message: 'spec.apiKey must be an environment reference such as ${OPENAI_API_KEY}; keep literal keys in a Secret and use spec.secretRef',
          terminal: true,
        });
      } else if (!env[match[1]]) {
        problems.push({
          reason: 'APIKeyMissing',
          message: `environment variable ${match[1]} is not set: set it in the environment of Kastra or use spec.secretRef`,
          recheckAfterMs,
        });
      }
    }
    if (Array.isArray(spec.apiKeys) && spec.apiKeys.length > 0) {
      configured = true;
      const names = spec.apiKeys.map((ref) => (typeof ref === 'string' ? ENV_REFERENCE.exec(ref)?.[1] : undefined));
      const set = names.filter((name): name is string => !!name && !!env[name]);
      if (set.length === 0) {
        const missing = names.filter((name): name is string => !!name);
        problems.push({
          reason: 'APIKeyMissing',
          message: `none of the environment variables of spec.apiKeys is set (${missing.join(', ')}): set at least one in the environment of Kastra or use spec.secretRef`,
          recheckAfterMs,
        });
      }
    }
    const secretRef = spec.secretRef as { name?: unknown; key?: unknown } | undefined;
    if (secretRef && typeof secretRef.name === 'string' && typeof secretRef.key === 'string') {
      configured = true;
      const namespace = llm.metadata.namespace ?? DEFAULT_NAMESPACE;
      const problem = await secretKeyProblem(this.store, namespace, { name: secretRef.name, key: secretRef.key }, 'spec.secretRef.key');
      if (problem) problems.push(problem);
    }
    if (!configured && !KEYLESS_PROVIDERS.has(provider)) {
      const example = `\${${provider.toUpperCase().replace(/-/g, '_')}_API_KEY}`;
      problems.push({
        reason: 'APIKeyMissing',
        message: `provider ${provider} needs an API key and none is configured: set spec.apiKey (e.g. ${example}) or spec.secretRef`,
        terminal: true,
      });
    }
    return problems;
  }
}
