import { BadRequestError } from '@kastra/api';

/** The largest log position there can be: global_position is a Postgres BIGINT. */
const MAX_POSITION = 9223372036854775807n;
const DIGITS = /^\d{1,19}$/;

/**
 * Checks the resourceVersion a watch starts from: unset, or a decimal log position no larger
 * than a BIGINT. Anything else is a 400 ("invalid resource version", as the apiserver answers a
 * resourceVersion it cannot parse), never a query the database refuses.
 */
export function checkWatchResourceVersion(resourceVersion: string | undefined): void {
  if (resourceVersion === undefined || resourceVersion === '') return;
  if (!DIGITS.test(resourceVersion) || BigInt(resourceVersion) > MAX_POSITION) {
    throw new BadRequestError(`invalid resource version "${resourceVersion.slice(0, 40)}": it must be a decimal number no larger than ${MAX_POSITION}`);
  }
}
