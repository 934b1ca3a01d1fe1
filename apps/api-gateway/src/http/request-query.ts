import { BadRequestError } from '@kastra/api';

/** Express's parsed query string (repeated parameters become arrays). */
export type RequestQuery = Record<string, unknown>;

/** The single value of a query parameter; the last one wins when repeated, as in Go's url.Values. */
export function queryValue(query: RequestQuery, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) return value.length > 0 ? String(value[value.length - 1]) : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** Kubernetes booleans in query strings: `true`/`1` (and `false`/`0`). */
export function queryFlag(query: RequestQuery, name: string): boolean {
  const value = queryValue(query, name);
  if (value === undefined || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw new BadRequestError(`query parameter ${name} must be true or false, not "${value}"`);
}

/** `dryRun=All` (the only value Kubernetes defines): validate and compute, store nothing. */
export function dryRunOf(query: RequestQuery): boolean {
  const raw = query.dryRun;
  const values = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String);
  for (const value of values) {
    if (value !== 'All') throw new BadRequestError(`invalid dry run value "${value}": only "All" is supported`);
  }
  return values.length > 0;
}

/** The longest a watch is served: clients re-watch from their last resourceVersion, as after any server-side end. */
export const MAX_WATCH_TIMEOUT_SECONDS = 3600;

/**
 * `timeoutSeconds` of a watch, undefined when absent: a non-negative whole number (the
 * apiserver's int64), 400 otherwise; more than MAX_WATCH_TIMEOUT_SECONDS is served as that many
 * (a timer past ~24.8 days would otherwise fire at once).
 */
export function timeoutSecondsOf(query: RequestQuery): number | undefined {
  const value = queryValue(query, 'timeoutSeconds');
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,19}$/.test(value) || BigInt(value) > 9223372036854775807n) {
    throw new BadRequestError(`timeoutSeconds must be a whole number of seconds, not "${value.slice(0, 40)}"`);
  }
  return Math.min(Number(value), MAX_WATCH_TIMEOUT_SECONDS);
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** `fieldValidation` as kubectl 1.27+ sends it; defaults to Strict, as on the apiserver (see FieldValidator). */
export function fieldValidationOf(query: RequestQuery): FieldValidation {
  const value = queryValue(query, 'fieldValidation');
  if (value === undefined || value === '') return 'Strict';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  throw new BadRequestError(`fieldValidation must be Strict, Warn or Ignore, not "${value}"`);
}
