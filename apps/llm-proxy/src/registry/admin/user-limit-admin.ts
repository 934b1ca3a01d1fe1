import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { BadRequestError, NotFoundError } from '@kastra/api';
import { LlmUserLimitEntity } from '../entities';
import { RegistryChangeBus } from '../registry-change-bus';
import { REGISTRY_DATA_SOURCE } from '../registry-tokens';
import { findPage, type PageRequest } from './list-page';
import type { UserLimitBody } from './user-limit-body';
import { userLimitView } from './user-limit-view';

/** Longest user id stored (the column is varchar(256)). */
const MAX_USER_LENGTH = 256;

/** Creates or replaces a row in one statement; `updated_at` is the database's clock. */
const UPSERT_USER_LIMIT = `
  INSERT INTO llm_user_limits (user_id, rpm_limit, tpm_limit, updated_at)
  VALUES ($1, $2, $3, now())
  ON CONFLICT (user_id) DO UPDATE SET rpm_limit = EXCLUDED.rpm_limit, tpm_limit = EXCLUDED.tpm_limit, updated_at = now()`;

/**
 * CRUD of `llm_user_limits` for the admin API. Every write tells every replica
 * (RegistryChangeBus), whose call paths then read the user's row again.
 */
@Injectable()
export class UserLimitAdmin {
  constructor(
    @InjectDataSource(REGISTRY_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly changes: RegistryChangeBus,
  ) {}

  /** One page in user order (list-page.ts): `first_id`/`last_id` are users; `total` counts every row. */
  async list(page: PageRequest) {
    return findPage(this.dataSource.getRepository(LlmUserLimitEntity), { idKey: 'userId', page, view: userLimitView });
  }

  async get(user: string) {
    return userLimitView(await this.find(checkUser(user)));
  }

  async set(user: string, body: UserLimitBody) {
    await this.dataSource.query(UPSERT_USER_LIMIT, [checkUser(user), body.rpm_limit, body.tpm_limit]);
    this.changes.changed('user-limits');
    return userLimitView(await this.find(user));
  }

  async remove(user: string) {
    const result = await this.dataSource.getRepository(LlmUserLimitEntity).delete({ userId: checkUser(user) });
    if (!result.affected) throw notFound(user);
    this.changes.changed('user-limits');
    return { user, deleted: true };
  }

  private async find(user: string): Promise<LlmUserLimitEntity> {
    const row = await this.dataSource.getRepository(LlmUserLimitEntity).findOneBy({ userId: user });
    if (!row) throw notFound(user);
    return row;
  }
}

function checkUser(user: string): string {
  if (user.length > MAX_USER_LENGTH) throw new BadRequestError(`user must be a user id (JWT sub) of at most ${MAX_USER_LENGTH} characters`);
  return user;
}

function notFound(user: string): NotFoundError {
  return new NotFoundError('llm-user-limits', user, `user "${user}" has no limits of its own: the defaults (KASTRA_LLM_USER_RPM, KASTRA_LLM_USER_TPM) apply`);
}
