/** Per-minute allowances of one user (a JWT `sub`) over all models; an absent field = no limit. */
export interface UserLimit {
  rpm?: number;
  tpm?: number;
}

/**
 * Where the call path reads a user's limits. Asked on every call: implementations answer from
 * memory, and go to a store at most once per user and cache lifetime.
 */
export interface UserLimits {
  limitsOf(user: string): UserLimit | Promise<UserLimit>;
}

/**
 * A user's own limits set by an admin (the registry's `llm_user_limits`), or undefined when the
 * user has none and the defaults apply. `{}` is a row of nulls: no limit at all.
 */
export interface UserLimitOverrides {
  overrideOf(user: string): UserLimit | undefined | Promise<UserLimit | undefined>;
}

/** Injection token of the UserLimits the call path charges. */
export const USER_LIMITS = 'KASTRA_LLM_USER_LIMITS';
/** Injection token of the optional UserLimitOverrides (exported by RegistryModule). */
export const USER_LIMIT_OVERRIDES = 'KASTRA_LLM_USER_LIMIT_OVERRIDES';

/**
 * A user's own limits when an admin set them, else the defaults (KASTRA_LLM_USER_RPM /
 * KASTRA_LLM_USER_TPM, the same for everyone). Without overrides, only the defaults.
 */
export class DefaultedUserLimits implements UserLimits {
  constructor(private readonly defaults: UserLimit, private readonly overrides?: UserLimitOverrides) {}

  limitsOf(user: string): UserLimit | Promise<UserLimit> {
    if (!this.overrides) return this.defaults;
    const own = this.overrides.overrideOf(user);
    if (own instanceof Promise) return own.then((found) => found ?? this.defaults);
    return own ?? this.defaults;
  }
}
