import { parse as parseYaml } from 'yaml';
import { BadRequestError, jsonTextNestsDeeperThan, nestingTooDeepMessage, UnsupportedMediaTypeError, valueNestsDeeperThan } from '@kastra/api';
import { YAML_MAX_ALIAS_COUNT, yamlTextNestsDeeperThan } from './yaml-text-limits';

/** How a request body is written, from its Content-Type. */
export type BodyFormat = 'json' | 'yaml';

const JSON_TYPES = ['application/json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json'];
const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'application/apply-patch+yaml'];

/** The media type of a Content-Type header without parameters, lowercase (`application/json`). */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** JSON or YAML for a Content-Type; a body without one is read as JSON, as the apiserver does. */
export function bodyFormatOf(contentType: string | undefined): BodyFormat {
  const mediaType = mediaTypeOf(contentType);
  if (mediaType === '' || JSON_TYPES.includes(mediaType)) return 'json';
  if (YAML_TYPES.includes(mediaType)) return 'yaml';
  throw new UnsupportedMediaTypeError(`the body of the request was in an unknown format - accepted media types include: ${[...JSON_TYPES, ...YAML_TYPES].join(', ')}`);
}

/**
 * Parses a body as JSON or YAML (YAML 1.2 is a superset of JSON, so apply patches may be
 * either). Malformed input is a 400 carrying the parser's message; several YAML documents too.
 * A body nesting deeper than MAX_NESTING_DEPTH is a 400 before it is parsed (YAML block nesting:
 * right after), and YAML aliases are capped, so no body reaches recursive code too deep for it.
 */
export function parseBody(body: Buffer | undefined, contentType: string | undefined): unknown {
  const format = bodyFormatOf(contentType);
  const text = (body ?? Buffer.alloc(0)).toString('utf8');
  if (text.trim() === '') throw new BadRequestError('the request body is empty');
  // Made only when thrown: an Error captures a stack trace (a noticeable part of a create's CPU).
  const tooDeep = () => new BadRequestError(nestingTooDeepMessage('the request body'));
  if (format === 'json' ? jsonTextNestsDeeperThan(text) : yamlTextNestsDeeperThan(text)) throw tooDeep();
  let value: unknown;
  try {
    value = format === 'json' ? JSON.parse(text) : parseYaml(text, { maxAliasCount: YAML_MAX_ALIAS_COUNT });
  } catch (error) {
    const kind = format === 'json' ? 'JSON' : 'YAML';
    throw new BadRequestError(`the request body is not valid ${kind}: ${(error as Error).message}`);
  }
  if (format === 'yaml' && valueNestsDeeperThan(value)) throw tooDeep();
  return value;
}

/** Parses a body that must be one object (a manifest, a merge patch, DeleteOptions). */
export function parseObjectBody(body: Buffer | undefined, contentType: string | undefined): Record<string, unknown> {
  const value = parseBody(body, contentType);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadRequestError(`the request body must be an object, not ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}
