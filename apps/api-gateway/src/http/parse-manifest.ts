import { parse as parseYaml } from 'yaml';
import { BadRequestError, UnsupportedMediaTypeError } from '@kastra/api';

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
 */
export function parseBody(body: Buffer | undefined, contentType: string | undefined): unknown {
  const format = bodyFormatOf(contentType);
  const text = (body ?? Buffer.alloc(0)).toString('utf8');
  if (text.trim() === '') throw new BadRequestError('the request body is empty');
  try {
    return format === 'json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const kind = format === 'json' ? 'JSON' : 'YAML';
    throw new BadRequestError(`the request body is not valid ${kind}: ${(error as Error).message}`);
  }
}

/** Parses a body that must be one object (a manifest, a merge patch, DeleteOptions). */
export function parseObjectBody(body: Buffer | undefined, contentType: string | undefined): Record<string, unknown> {
  const value = parseBody(body, contentType);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadRequestError(`the request body must be an object, not ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}
