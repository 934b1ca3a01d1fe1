import {
  allowedEnvReferences,
  envKeyReferenceRefusal,
  judgeModelKeys,
  providerDefaultKey,
  usesDefaultEndpoint,
} from '@kastra/llm/provider-table';
import { ModelUnavailableError } from './model-unavailable-error';
import type { LlmManifest } from './llm-manifest';

const ENV_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** One key of a Secret, as an LLM's `spec.secretRef` names it (the Secret is in the LLM's namespace). */
export interface SecretKeyReference {
  namespace: string;
  name: string;
  key: string;
}

/** Reads a Secret's key for an embedded model; undefined when the Secret or key does not exist. */
export type SecretResolver = (reference: SecretKeyReference) => string | undefined;

export interface EmbeddedKeySources {
  /** Where `${VAR}` references and provider default keys are read. @default process.env */
  env?: NodeJS.ProcessEnv;
  resolveSecret?: SecretResolver;
}

/** A key the LLM names, usable or not (and why not, for the error). */
type GivenKey = { value: string } | { unusable: string };

/**
 * The key an embedded model calls its provider with (undefined: none is sent), by the rules
 * llm-proxy and the controller-manager apply to the same manifest: its own keys in order
 * (`${VAR}` only where KASTRA_ALLOWED_ENV_REFS allows it and only to the provider's default
 * endpoint; a secretRef through `resolveSecret`), else the provider's default variable
 * (OPENAI_API_KEY, …) — never sent to an endpoint of the LLM's own.
 */
export function embeddedApiKey(llm: LlmManifest, sources: EmbeddedKeySources): string | undefined {
  const env = sources.env ?? process.env;
  const given = givenKeys(llm, env, sources.resolveSecret);
  const baseURL = llm.spec.options?.baseURL;
  const verdict = judgeModelKeys(llm.provider, given.map((key) => ({ usable: 'value' in key })), {
    defaultKeyAvailable: providerDefaultKey(llm.provider, env) !== undefined,
    customEndpoint: !usesDefaultEndpoint(llm.provider, baseURL),
  });
  if (verdict.callable) {
    if (verdict.key === 'none') return undefined;
    if (verdict.key === 'default') return providerDefaultKey(llm.provider, env)?.value;
    return given.flatMap((key) => ('value' in key ? [key.value] : []))[0];
  }
  switch (verdict.missing) {
    case 'ownKeysUnusable':
      throw new ModelUnavailableError(llm.handle, given.map((key) => ('unusable' in key ? key.unusable : '')).filter(Boolean).join('; '));
    case 'secretKeyRequired':
      throw new ModelUnavailableError(
        llm.handle,
        `provider ${llm.provider} needs a key and spec.options.baseURL is an endpoint of the LLM's own, which is never sent the provider's default key: give the LLM spec.secretRef (with options.resolveSecret) or use connected mode`,
      );
    case 'defaultKeyMissing':
      throw new ModelUnavailableError(
        llm.handle,
        `provider ${llm.provider} needs a key: give the LLM spec.apiKey (\${${verdict.variable ?? 'VARIABLE'}}) or spec.secretRef, or set ${verdict.variable ?? 'its key variable'} in this process's environment`,
      );
  }
}

function givenKeys(llm: LlmManifest, env: NodeJS.ProcessEnv, resolveSecret: SecretResolver | undefined): GivenKey[] {
  const references: Array<{ field: string; reference: string }> = [];
  if (llm.spec.apiKey !== undefined) references.push({ field: 'spec.apiKey', reference: llm.spec.apiKey });
  (llm.spec.apiKeys ?? []).forEach((reference, i) => references.push({ field: `spec.apiKeys[${i}]`, reference }));
  const allowed = allowedEnvReferences(env);
  const keys: GivenKey[] = references.map(({ field, reference }) => {
    // The schema lets only `${VAR}` through; literal keys belong in Secrets.
    const variable = ENV_REFERENCE.exec(reference)?.[1] as string;
    const refusal = envKeyReferenceRefusal(llm.provider, variable, { baseURL: llm.spec.options?.baseURL, field, allowed });
    if (refusal) return { unusable: refusal };
    const value = env[variable];
    return value ? { value } : { unusable: `${field} names \${${variable}}, which is not set in this process's environment` };
  });
  const secretRef = llm.spec.secretRef;
  if (secretRef) {
    const described = `spec.secretRef names key ${secretRef.key} of Secret ${llm.namespace}/${secretRef.name}`;
    if (!resolveSecret) {
      keys.push({
        unusable: `${described}, and an embedded model reads no Secrets without options.resolveSecret: pass one, or use connected mode (llmProxy and token) so that llm-proxy holds the key`,
      });
    } else {
      const value = resolveSecret({ namespace: llm.namespace, name: secretRef.name, key: secretRef.key });
      keys.push(value ? { value } : { unusable: `${described}, which options.resolveSecret does not have` });
    }
  }
  return keys;
}
