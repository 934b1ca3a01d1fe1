import { BadRequestError } from '@kastra/api';

/** Rows per page of `GET /api/v1/llm/user-limits` unless `?limit=` says otherwise. */
export const DEFAULT_USER_LIMIT_PAGE = 100;
export const MAX_USER_LIMIT_PAGE = 1000;

/** Which page of users' limits to list: at most `limit` rows, of users after `after` in id order. */
export interface UserLimitPage {
  limit: number;
  after?: string;
}

/** `?limit=` and `?after=` as given; 400 for a limit that is not a whole number from 1 to 1000. */
export function parseUserLimitPage(limit: string | undefined, after: string | undefined): UserLimitPage {
  let size = DEFAULT_USER_LIMIT_PAGE;
  if (limit !== undefined && limit !== '') {
    size = Number(limit);
    if (!Number.isInteger(size) || size < 1 || size > MAX_USER_LIMIT_PAGE) {
      throw new BadRequestError(`limit must be a whole number from 1 to ${MAX_USER_LIMIT_PAGE}`);
    }
  }
  return after === undefined || after === '' ? { limit: size } : { limit: size, after };
}
