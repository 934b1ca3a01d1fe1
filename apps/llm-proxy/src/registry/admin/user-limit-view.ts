import type { LlmUserLimitEntity } from '../entities';

/** A user's limits as the admin API shows them; null = no limit. */
export interface UserLimitView {
  user: string;
  rpm_limit: number | null;
  tpm_limit: number | null;
  updated_at: string;
}

export function userLimitView(row: LlmUserLimitEntity): UserLimitView {
  return { user: row.userId, rpm_limit: row.rpmLimit, tpm_limit: row.tpmLimit, updated_at: row.updatedAt.toISOString() };
}
