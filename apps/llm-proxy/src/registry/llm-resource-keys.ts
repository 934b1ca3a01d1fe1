import type { EntityManager } from 'typeorm';
import { allowedEnvReferences, envKeyReferenceRefusal, PROVIDER_DEFAULTS, usesDefaultEndpoint, type ProviderName } from '@kastra/llm';
import { SecretDecryptionError, type SecretCipher } from '@kastra/secrets';
import type { Logger } from '@kastra/telemetry';
import { LlmModelEntity, LlmModelKeyEntity } from './entities';
import { keyHint } from './key-hint';

const ENV_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
/** What the admin API shows for a key whose Secret is missing (there is no key to hint at). */
const MISSING_KEY_HINT = '(missing)';

/** The part of an LLM spec the registry mirrors (libs/api llm-kind.ts has the schema). */
export interface LlmSpec {
  provider: string;
  model: string;
  apiKey?: string;
  apiKeys?: string[];
  secretRef?: { name?: string; key?: string };
  options?: Record<string, unknown>;
  rateLimits?: { requestsPerMinute?: number; tokensPerMinute?: number };
  fallbacks?: unknown[];
}

/**
 * A key an LLM asks for: its value, or — for a Secret key that cannot be read — why not. The
 * reason names the Secret and its key, never a value.
 */
export type WantedKey = { value: string } | { missing: string };

export interface KeySources {
  env: NodeJS.ProcessEnv;
  revealSecretValue(namespace: string, name: string, dataKey: string): Promise<string | undefined>;
  /** Whether the LLM may use Secret `secret`: its last writer may read it. Asked before any read. */
  mayUseSecret(secret: { namespace: string; name: string }): Promise<boolean>;
}

/**
 * The keys of an LLM, in order and without duplicates: `${ENV}` references from this process's
 * environment, then the `secretRef` key. A reference that is unset and a Secret key that is gone
 * stay in the list as missing, so the model has no usable key rather than falling back to the
 * provider's shared key (another account's) or keeping an old one — unless the provider needs
 * no key at all.
 *
 * Credentials go only where the operator lets them: a reference the rule of the provider table
 * refuses (a variable not in KASTRA_ALLOWED_ENV_REFS for the provider, or any variable when
 * spec.options.baseURL is an endpoint of the LLM's own) is never read, and the LLM gets that
 * refusal as its only key, so it cannot be called at all (as its readiness says). So does a
 * `secretRef` to a Secret whose value the LLM's last writer may not read: it is never read. An LLM
 * with an endpoint of its own and no key is never lent the provider's default key either.
 */
export async function wantedKeysOf(
  spec: LlmSpec,
  at: { namespace: string; handle: string; keyless: boolean; provider?: ProviderName },
  sources: KeySources,
  logger: Logger,
): Promise<WantedKey[]> {
  const baseURL = spec.options?.baseURL;
  const allowed = allowedEnvReferences(sources.env);
  const references = [spec.apiKey, ...(spec.apiKeys ?? [])];
  if (at.provider) {
    for (const [index, reference] of references.entries()) {
      const variable = typeof reference === 'string' ? ENV_REFERENCE.exec(reference)?.[1] : undefined;
      const field = index === 0 ? 'spec.apiKey' : `spec.apiKeys[${index - 1}]`;
      const refusal = variable ? envKeyReferenceRefusal(at.provider, variable, { baseURL, field, allowed }) : undefined;
      if (refusal) {
        logger.warn({ llm: at.handle, variable }, 'an LLM names an environment variable it may not use; it is not read and the model cannot be called');
        return [{ missing: refusal }];
      }
    }
  }
  const wanted: WantedKey[] = [];
  for (const reference of references) {
    if (typeof reference !== 'string') continue;
    const variable = ENV_REFERENCE.exec(reference)?.[1];
    const value = variable ? sources.env[variable] : undefined;
    if (value) {
      wanted.push({ value });
      continue;
    }
    logger.warn({ llm: at.handle, variable }, 'the environment variable of an LLM key is not set in llm-proxy; the model has no usable key from it');
    if (!at.keyless) wanted.push({ missing: `environment variable ${variable ?? reference} is not set in llm-proxy` });
  }
  const { name, key } = spec.secretRef ?? {};
  if (name && key && !(await sources.mayUseSecret({ namespace: at.namespace, name }))) {
    logger.warn({ llm: at.handle, secret: name }, 'an LLM names a Secret its last writer may not read; it is not read and the model cannot be called');
    // A provider called without a key sends none: there is nothing to refuse.
    if (!at.keyless) return [{ missing: `spec.secretRef names Secret "${name}" in namespace "${at.namespace}", which whoever last wrote this LLM may not get: an LLM uses only Secrets its last writer may read` }];
  } else if (name && key) {
    const read = await readSecretKey(sources, at.namespace, name, key);
    if ('value' in read) wanted.push(read);
    else {
      logger.warn({ llm: at.handle, secret: name, key, reason: read.missing }, 'the Secret key of an LLM cannot be read; the model has no usable key from it');
      if (!at.keyless) wanted.push(read);
    }
  }
  if (wanted.length === 0 && at.provider && PROVIDER_DEFAULTS[at.provider].apiKey === 'required' && !usesDefaultEndpoint(at.provider, baseURL)) {
    return [{ missing: `provider ${at.provider} needs an API key, and an LLM with an endpoint of its own (spec.options.baseURL) is never given the provider's default key: set spec.secretRef` }];
  }
  const seen = new Set<string>();
  return wanted.filter((entry) => {
    const identity = identityOf(entry);
    if (seen.has(identity)) return false;
    seen.add(identity);
    return true;
  });
}

/**
 * Makes the key rows of `model` match `wanted`: rows whose value (or missing reason) is still
 * wanted are kept with their status (a key the provider rejected stays invalid), new ones are
 * added encrypted, the rest are deleted. A missing key is a row with status `invalid`, an empty
 * encrypted value and the reason, so the pool holds no usable key for it.
 */
export async function writeModelKeys(manager: EntityManager, cipher: SecretCipher, model: LlmModelEntity, wanted: WantedKey[]): Promise<void> {
  const repo = manager.getRepository(LlmModelKeyEntity);
  const current = await repo.findBy({ modelId: model.id });
  const kept = new Map<string, LlmModelKeyEntity>();
  const wantedIdentities = new Set(wanted.map(identityOf));
  for (const row of current) {
    const identity = storedIdentity(cipher, row);
    if (identity !== undefined && wantedIdentities.has(identity) && !kept.has(identity)) kept.set(identity, row);
    else await repo.delete(row.id);
  }
  for (const [position, entry] of wanted.entries()) {
    const row = kept.get(identityOf(entry));
    if (row) {
      if (row.position !== position) await repo.update(row.id, { position });
    } else if ('value' in entry) {
      await repo.insert({ modelId: model.id, keyCiphertext: cipher.encrypt(entry.value), keyHint: keyHint(entry.value), status: 'enabled', position });
    } else {
      await repo.insert({ modelId: model.id, keyCiphertext: cipher.encrypt(''), keyHint: MISSING_KEY_HINT, status: 'invalid', invalidReason: entry.missing, position });
    }
  }
}

/**
 * A Secret key's value, or why there is none. Other errors (the database) are thrown: the
 * caller retries, and a good key is never dropped because of a passing failure.
 */
async function readSecretKey(sources: KeySources, namespace: string, name: string, key: string): Promise<WantedKey> {
  try {
    const value = await sources.revealSecretValue(namespace, name, key);
    if (value) return { value };
  } catch (error) {
    if (!(error instanceof SecretDecryptionError)) throw error;
    // The message names master key ids, never the value.
    return { missing: `Secret "${name}" key "${key}" in namespace "${namespace}" cannot be decrypted: ${error.message}` };
  }
  return { missing: `Secret "${name}" has no key "${key}" in namespace "${namespace}"` };
}

function identityOf(entry: WantedKey): string {
  return 'value' in entry ? `value:${entry.value}` : `missing:${entry.missing}`;
}

/** A row's identity as `identityOf` would give it; undefined when it cannot be decrypted. */
function storedIdentity(cipher: SecretCipher, row: LlmModelKeyEntity): string | undefined {
  let value: string;
  try {
    value = cipher.decrypt(row.keyCiphertext);
  } catch {
    return undefined;
  }
  return value === '' ? `missing:${row.invalidReason ?? ''}` : `value:${value}`;
}
