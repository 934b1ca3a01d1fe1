import { InvalidError, type FieldCause } from '@kastra/api';

/**
 * A manifest the API server would refuse with 422 Invalid: the same message and causes (each
 * naming its field, e.g. `spec.provider`) as the gateway's answer, found in this process.
 */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  readonly reason = 'Invalid' as const;
  readonly httpStatus = 422;

  constructor(
    /** The kind's plural, e.g. `llms`. */
    readonly kindPlural: string,
    readonly resourceName: string,
    readonly causes: FieldCause[],
  ) {
    super(new InvalidError(kindPlural, resourceName, causes).message);
  }
}
