import type { FindOptionsOrder, FindOptionsRelations, FindOptionsWhere, ObjectLiteral, Repository } from 'typeorm';
import { MoreThan } from 'typeorm';
import { BadRequestError } from '@kastra/api';

/** Rows per page of the admin lists (providers, models, user limits) unless `?limit=` says otherwise. */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Which page to list: at most `limit` rows, of those whose id sorts after `after`. */
export interface PageRequest {
  limit: number;
  after?: string;
}

/**
 * One page in the OpenAI list shape: `has_more` says whether another page follows, `last_id` is
 * its `after`; `total` counts every row the filters match (all pages).
 */
export interface ListPage<V> {
  object: 'list';
  data: V[];
  total: number;
  has_more: boolean;
  first_id: string | null;
  last_id: string | null;
}

/** A query parameter given once (`?type=a&type=b` is read as its first value); '' is absent. */
export function single(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && first !== '' ? first : undefined;
}

/**
 * `?limit=` and `?after=` as given (a repeated parameter counts once, '' is absent): 400 for a
 * limit that is not written as a whole number from 1 to 1000 (digits only: not `1e2`, `0x10`), and,
 * for lists whose ids are UUIDs (`ids: 'uuid'`), for an `after` that is not one (Postgres would
 * refuse to compare it). Any `after` is accepted otherwise.
 */
export function parsePageRequest(limit: unknown, after: unknown, options: { ids?: 'uuid' | 'text' } = {}): PageRequest {
  const limitText = single(limit);
  let size = DEFAULT_PAGE_SIZE;
  if (limitText !== undefined) {
    size = /^[0-9]{1,7}$/.test(limitText) ? Number(limitText) : NaN;
    if (!(size >= 1 && size <= MAX_PAGE_SIZE)) {
      throw new BadRequestError(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
    }
  }
  const afterText = single(after);
  if (afterText === undefined) return { limit: size };
  if (options.ids === 'uuid' && !UUID.test(afterText)) {
    throw new BadRequestError('after must be the id (a UUID) of a row, the last_id of the previous page');
  }
  return { limit: size, after: afterText };
}

/**
 * Reads one page of `repo` in `idKey` order (keyset: `idKey > after`, never an offset), so a walk
 * through the pages sees every row that exists throughout it exactly once, whatever is written
 * meanwhile — `idKey` must be unique and never change (the primary key). `where` holds the
 * filters; `total` counts the rows they match.
 */
export async function findPage<E extends ObjectLiteral, K extends keyof E & string, V>(
  repo: Repository<E>,
  options: { idKey: K; page: PageRequest; where?: FindOptionsWhere<E>; relations?: FindOptionsRelations<E>; view: (row: E) => V },
): Promise<ListPage<V>> {
  const { idKey, page, where = {}, relations } = options;
  const pageWhere = (page.after === undefined ? where : { ...where, [idKey]: MoreThan(page.after) }) as FindOptionsWhere<E>;
  const [rows, total] = await Promise.all([
    repo.find({ where: pageWhere, order: { [idKey]: 'ASC' } as FindOptionsOrder<E>, take: page.limit + 1, ...(relations ? { relations } : {}) }),
    repo.count({ where }),
  ]);
  const shown = rows.slice(0, page.limit);
  const idOf = (row: E | undefined): string | null => (row === undefined ? null : String(row[idKey]));
  return { object: 'list', data: shown.map(options.view), total, has_more: rows.length > page.limit, first_id: idOf(shown[0]), last_id: idOf(shown.at(-1)) };
}
