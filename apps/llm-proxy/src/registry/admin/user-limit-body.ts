import { IsDefined, ValidateBy, ValidateIf } from 'class-validator';
import { InvalidError } from '@kastra/api';
import { parseBody } from './parse-body';

/** The largest limit a Postgres integer column holds. */
export const MAX_USER_LIMIT = 2_147_483_647;

/** A whole number from 0 to MAX_USER_LIMIT, or null (no limit); a missing field is IsDefined's to report. */
function IsLimitOrNull(): PropertyDecorator {
  return ValidateBy({
    name: 'isLimitOrNull',
    validator: {
      validate: (value: unknown) => value === undefined || value === null || (Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_USER_LIMIT),
      defaultMessage: (args) => `${args?.property} must be a whole number from 0 to ${MAX_USER_LIMIT}, or null for no limit`,
    },
  });
}

/**
 * A user's limits as `PUT /api/v1/llm/user-limits/:user` takes them. Both fields are required
 * (PUT replaces the row): a number is the limit per minute (0 refuses every call), null is no
 * limit — also when the proxy has a default.
 */
export class UserLimitBody {
  // IsDefined refuses null too; null is a valid limit here (none), so only a missing field is checked.
  @ValidateIf((_body, value) => value !== null)
  @IsDefined({ message: 'rpm_limit is required: requests per minute, or null for no limit' })
  @IsLimitOrNull()
  rpm_limit!: number | null;

  @ValidateIf((_body, value) => value !== null)
  @IsDefined({ message: 'tpm_limit is required: tokens per minute, or null for no limit' })
  @IsLimitOrNull()
  tpm_limit!: number | null;
}

/** Validates the body of a PUT: 400 when it is not an object, 422 naming each wrong field. */
export function parseUserLimitBody(body: unknown, user: string): UserLimitBody {
  try {
    return parseBody(UserLimitBody, body, 'llm-user-limits', { partial: false });
  } catch (error) {
    // parseBody names the resource after the body's own name field; here it is the path's user.
    if (error instanceof InvalidError) throw new InvalidError(error.kindName, user, error.causes);
    throw error;
  }
}
