import { InvalidError, type FieldCause } from '@kastra/api';

/** Older field names of a provider body → today's (the model-management clients' older docs). */
const ALIASES: Array<[alias: string, field: string]> = [
  ['provider_type', 'type'],
  ['is_active', 'enabled'],
];

/** Fields older clients put inside `config`; lifted out so a key is encrypted as `api_key` is, never stored or shown as config. */
const CONFIG_FIELDS = ['api_key', 'base_url', 'api_version'];

/**
 * A provider body with the older names accepted beside today's: `provider_type` for `type`,
 * `is_active` for `enabled`, `config.api_key` / `config.base_url` / `config.api_version` for the
 * top-level fields. Both names with different values is a 422 naming the alias. Anything else is
 * passed on unchanged (validation follows); messages name fields, never values.
 */
export function withProviderAliases(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  const causes: FieldCause[] = [];
  const lift = (alias: string, field: string, value: unknown) => {
    if (out[field] !== undefined && out[field] !== value) causes.push({ reason: 'FieldValueInvalid', field: alias, message: `${alias} and ${field} name the same setting with different values; send one` });
    else out[field] = value;
  };
  for (const [alias, field] of ALIASES) {
    if (!(alias in out)) continue;
    const value = out[alias];
    delete out[alias];
    lift(alias, field, value);
  }
  const config = out.config;
  if (typeof config === 'object' && config !== null && !Array.isArray(config)) {
    const rest: Record<string, unknown> = { ...(config as Record<string, unknown>) };
    for (const field of CONFIG_FIELDS) {
      if (!(field in rest)) continue;
      const value = rest[field];
      delete rest[field];
      lift(`config.${field}`, field, value);
    }
    out.config = rest;
  }
  if (causes.length > 0) throw new InvalidError('llm-providers', typeof out.name === 'string' ? out.name : '', causes);
  return out;
}
