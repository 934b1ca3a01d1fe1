import { BadRequestError } from '@kastra/api';
// RFC 7386 JSON merge patch, from the library made for it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const jsonMergePatch = require('json-merge-patch') as { apply<T>(target: T, patch: unknown): T };

/** Applies an RFC 7386 merge patch to a copy of `target`. */
export function applyMergePatch<T>(target: T, patch: unknown): T {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    throw new BadRequestError('a merge patch must be a JSON object');
  }
  return jsonMergePatch.apply(structuredClone(target), patch);
}

/**
 * kubectl sends a strategic merge patch for kinds it finds in the OpenAPI document. Kastra's kinds
 * declare no patch strategies, so it is a merge patch once the `$`-directives are dropped.
 */
export function strategicToMergePatch(patch: unknown): unknown {
  if (Array.isArray(patch)) return patch.map(strategicToMergePatch);
  if (patch === null || typeof patch !== 'object') return patch;
  return Object.fromEntries(
    Object.entries(patch as Record<string, unknown>)
      .filter(([key]) => !key.startsWith('$'))
      .map(([key, value]) => [key, strategicToMergePatch(value)]),
  );
}
