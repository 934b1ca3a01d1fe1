import { BadRequestError } from '@kastra/api';
import type { ListQuery } from '@kastra/resource-store';
import { queryValue, type RequestQuery } from '../http/request-query';

/**
 * `limit` and `continue` of a list request, checked as the apiserver checks them: `limit` an
 * integer (0 or negative: no limit), and no `resourceVersion` other than "0" beside `continue`
 * (the token carries the list's own).
 */
export function listPagingOf(query: RequestQuery): Pick<ListQuery, 'limit' | 'continue'> {
  const limitText = queryValue(query, 'limit');
  const token = queryValue(query, 'continue');
  let limit: number | undefined;
  if (limitText !== undefined && limitText !== '') {
    if (!/^-?\d{1,18}$/.test(limitText)) throw new BadRequestError(`limit must be an integer, not "${limitText.slice(0, 40)}"`);
    const parsed = Number(limitText);
    if (parsed > 0) limit = Math.min(parsed, Number.MAX_SAFE_INTEGER);
  }
  if (token) {
    const resourceVersion = queryValue(query, 'resourceVersion');
    if (resourceVersion !== undefined && resourceVersion !== '' && resourceVersion !== '0') {
      throw new BadRequestError('specifying resource version is not allowed when using continue');
    }
  }
  return { ...(limit !== undefined ? { limit } : {}), ...(token ? { continue: token } : {}) };
}
