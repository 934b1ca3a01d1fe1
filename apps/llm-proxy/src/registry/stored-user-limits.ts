import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { createLogger } from '@kastra/telemetry';
import type { UserLimit, UserLimitOverrides } from '../limits/user-limits';
import { LlmUserLimitEntity } from './entities';
import { registryCacheMs } from './model-registry';
import { DEFAULT_CACHE_ENTRIES, RefreshingCache } from './refreshing-cache';
import { RegistryChangeBus } from './registry-change-bus';
import { REGISTRY_DATA_SOURCE, REGISTRY_ENV } from './registry-tokens';

const logger = createLogger('llm-proxy').child({ component: 'user-limits' });

/**
 * The users' own limits of `llm_user_limits`, for the call path: read once per user and cache
 * lifetime (KASTRA_LLM_REGISTRY_CACHE_MS), at most KASTRA_LLM_USER_LIMITS_CACHE_SIZE users in
 * memory, dropped on every change of users' limits here and on the other replicas (RegistryChangeBus).
 */
@Injectable()
export class StoredUserLimits implements UserLimitOverrides {
  private readonly cache: RefreshingCache<UserLimit | undefined>;

  constructor(
    @InjectDataSource(REGISTRY_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(REGISTRY_ENV) env: NodeJS.ProcessEnv,
    changes: RegistryChangeBus,
  ) {
    this.cache = new RefreshingCache((user) => this.read(user), {
      ttlMs: registryCacheMs(env),
      maxEntries: nonNegative(env.KASTRA_LLM_USER_LIMITS_CACHE_SIZE) ?? DEFAULT_CACHE_ENTRIES,
      // Meanwhile the user keeps the limits read before, else the defaults; read again next lifetime.
      onLoadError: (user, error, previous) => {
        logger.warn({ user, reason: (error as Error).message }, 'could not read the limits of a user');
        return previous?.value;
      },
    });
    changes.onChange('user-limits', () => this.cache.clear());
  }

  overrideOf(user: string): UserLimit | undefined | Promise<UserLimit | undefined> {
    return this.cache.get(user);
  }

  private async read(user: string): Promise<UserLimit | undefined> {
    const row = await this.dataSource.getRepository(LlmUserLimitEntity).findOneBy({ userId: user });
    return row ? userLimitOf(row) : undefined;
  }
}

/** A row as the call path charges it: a null column is no limit. */
export function userLimitOf(row: Pick<LlmUserLimitEntity, 'rpmLimit' | 'tpmLimit'>): UserLimit {
  return { ...(row.rpmLimit === null ? {} : { rpm: row.rpmLimit }), ...(row.tpmLimit === null ? {} : { tpm: row.tpmLimit }) };
}

function nonNegative(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}
