import { BadRequestError } from '@kastra/api';
import type { DeleteOptions } from '@kastra/resource-store';
import { parseObjectBody } from '../http/parse-manifest';

/** What Kastra reads of a Kubernetes `DeleteOptions` body. */
export interface ParsedDeleteOptions {
  preconditions: DeleteOptions;
  /** `dryRun: ["All"]` in the body (kubectl delete --dry-run=server sends it there). */
  dryRun: boolean;
}

/**
 * Parses the optional DeleteOptions body. `propagationPolicy` and `gracePeriodSeconds` are
 * accepted and ignored: owned objects are always collected in the background by the controller.
 */
export function parseDeleteOptions(body: Buffer | undefined, contentType: string | undefined): ParsedDeleteOptions {
  if (!body || body.toString('utf8').trim() === '') return { preconditions: {}, dryRun: false };
  const options = parseObjectBody(body, contentType);
  const preconditions = options.preconditions ?? {};
  if (typeof preconditions !== 'object' || preconditions === null || Array.isArray(preconditions)) {
    throw new BadRequestError('DeleteOptions.preconditions must be an object');
  }
  const { resourceVersion, uid } = preconditions as Record<string, unknown>;
  for (const [name, value] of Object.entries({ resourceVersion, uid })) {
    if (value !== undefined && value !== null && typeof value !== 'string') throw new BadRequestError(`DeleteOptions.preconditions.${name} must be a string`);
  }
  const dryRun = options.dryRun;
  if (dryRun !== undefined && (!Array.isArray(dryRun) || dryRun.some((value) => value !== 'All'))) {
    throw new BadRequestError('DeleteOptions.dryRun must be ["All"] or empty');
  }
  return {
    preconditions: {
      ...(typeof resourceVersion === 'string' && resourceVersion !== '' ? { resourceVersion } : {}),
      ...(typeof uid === 'string' && uid !== '' ? { uid } : {}),
    },
    dryRun: Array.isArray(dryRun) && dryRun.length > 0,
  };
}
