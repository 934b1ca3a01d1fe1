import { judgeModelKeys, type ProviderKeyNeed, type ProviderName } from '@kastra/llm';
import type { PoolEntry } from './model-key-pool';

/** One key row of a model as the registry read it: decrypted (or not), with why it is unusable. */
export interface ModelKeyRow {
  entry: PoolEntry;
  /** Undecryptable with the master keys this process has. */
  undecryptable: boolean;
  invalidReason: string | null;
}

/** The keys a model is called with, and — when it needs a key and has none usable — why not. */
export interface ModelKeyState {
  /** The pool's entries: the model's own keys, or the provider's shared key; empty = call without a key. */
  entries: PoolEntry[];
  /** The entries are the provider's shared key (provider row, else its environment variable). */
  shared: boolean;
  noKeyReason?: string;
}

/**
 * The provider table's rule (`judgeModelKeys`, the one the controller-manager's LLM readiness
 * applies too) over a registry row: its own keys first; none at all: the provider's shared key;
 * `auth_type: none`, or a provider called without a key: keys that are not usable are left out.
 */
export function modelKeyState(model: {
  handle: string;
  provider: ProviderName;
  need: ProviderKeyNeed;
  authType: string;
  keys: ModelKeyRow[];
  sharedKey: () => PoolEntry | undefined;
}): ModelKeyState {
  const need: ProviderKeyNeed = model.authType === 'none' ? 'none' : model.need;
  const own = model.keys.map((key) => key.entry);
  const shared = own.length === 0 && model.authType !== 'none' ? model.sharedKey() : undefined;
  const verdict = judgeModelKeys(model.provider, own.map((entry) => ({ usable: entry.status === 'enabled' })), { defaultKeyAvailable: shared !== undefined, need });
  if (shared) return { entries: [shared], shared: true };
  if (verdict.callable) return { entries: need === 'none' ? own.filter((entry) => entry.status === 'enabled') : own, shared: false };
  if (verdict.missing === 'defaultKeyMissing') return { entries: [], shared: false, noKeyReason: noDefaultKeyReason(model.provider, verdict.variable) };
  const reasons = [...new Set(model.keys.map(unusableBecause))];
  return { entries: own, shared: false, noKeyReason: `model "${model.handle}" has no usable API key for provider ${model.provider}: ${reasons.join('; ')}` };
}

/** Why a provider/model handle, or a model given no key, cannot be called: names the variable, never a value. */
export function noDefaultKeyReason(provider: string, variable: string | undefined): string {
  const where = variable ? `set ${variable} in the environment of llm-proxy, or ` : '';
  return `no key for provider "${provider}": ${where}give the model a key (api_keys, or an LLM resource's spec.apiKey / spec.secretRef)`;
}

function unusableBecause(key: ModelKeyRow): string {
  if (key.undecryptable) return 'a key cannot be decrypted with the master keys of llm-proxy';
  if (key.entry.status === 'disabled') return 'a key is disabled';
  return key.invalidReason ?? 'a key was marked invalid';
}
