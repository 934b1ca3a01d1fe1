/** Event type of an audited write of the llm-proxy's admin API. */
export const ADMIN_WRITE_AUDITED = 'AdminWriteAudited';

/**
 * Who changed what in the registry, and when: one event per admin write (providers, models and
 * their keys, user limits, master-key rotation), whether it succeeded or was refused. Names
 * fields, never their values: a body may carry a provider key.
 */
export interface AdminWriteAudited {
  /** The caller's `sub`. */
  actor: string;
  method: string;
  /** The request path, without its query. */
  path: string;
  /** `providers`, `llm-models`, `user-limits` or `master-key`. */
  resource: string;
  /** The object written: its id and name as the answer gives them, else the path's `:id` / `:user`. */
  target: { id?: string; name?: string };
  /** Top-level fields the body set (sorted), on a write that succeeded; keys show as `api_keys`. */
  fields: string[];
  outcome: 'succeeded' | 'failed';
  /** The HTTP status answered. */
  status: number;
  /** When the write was answered (ISO 8601). */
  at: string;
}

/** `audit:2025-01-31` — one stream per UTC day, beside the usage streams. */
export function auditStreamId(at: Date): string {
  return `audit:${at.toISOString().slice(0, 10)}`;
}
