import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { BadRequestError, InvalidError, type FieldCause } from '@kastra/api';

/**
 * Validates a JSON body at the edge: not an object → 400; a field that is wrong, missing
 * (`partial: false`) or unknown → 422 with one cause per field, named by its path (`api_keys[0].key`).
 * Messages name fields and rules, never the values (a body may carry keys).
 */
export function parseBody<T extends object>(type: ClassConstructor<T>, body: unknown, what: string, options: { partial: boolean }): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestError(`the body must be a JSON object describing ${what}`);
  }
  const instance = plainToInstance(type, body);
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    skipMissingProperties: options.partial,
    validationError: { target: false, value: false },
  });
  if (errors.length > 0) throw new InvalidError(what, nameOf(body), causesOf(errors, ''));
  return instance;
}

function nameOf(body: object): string {
  const named = body as { model_id?: unknown; name?: unknown };
  return typeof named.model_id === 'string' ? named.model_id : typeof named.name === 'string' ? named.name : '';
}

function causesOf(errors: ValidationError[], parent: string): FieldCause[] {
  return errors.flatMap((error) => {
    const field = /^\d+$/.test(error.property) ? `${parent}[${error.property}]` : parent ? `${parent}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([rule, message]) => ({
      reason: rule === 'whitelistValidation' ? 'FieldValueNotSupported' : rule === 'isNotEmpty' || rule === 'isDefined' ? 'FieldValueRequired' : 'FieldValueInvalid',
      field,
      message: rule === 'whitelistValidation' ? `${field} is not a known field` : message,
    }));
    return [...own, ...causesOf(error.children ?? [], field)];
  });
}
