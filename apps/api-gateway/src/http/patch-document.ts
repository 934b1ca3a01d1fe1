import { applyPatch as applyJsonPatch, deepClone, JsonPatchError, type Operation } from 'fast-json-patch';
import { BadRequestError, nestingTooDeepMessage, UnsupportedMediaTypeError, valueNestsDeeperThan, type Resource } from '@kastra/api';
import { applyMergePatch } from '@kastra/resource-store';
import { mediaTypeOf, parseBody } from './parse-manifest';

/** The four PATCH content types of the Kubernetes API. */
export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';

const PATCH_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/json-patch+json': 'json',
  'application/apply-patch+yaml': 'apply',
};

export function patchTypeOf(contentType: string | undefined): PatchType {
  const patchType = PATCH_TYPES[mediaTypeOf(contentType)];
  if (!patchType) {
    throw new UnsupportedMediaTypeError(
      `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_TYPES).join(', ')}`,
    );
  }
  return patchType;
}

/**
 * Applies a merge, strategic merge or JSON patch body to `current` and returns the new object
 * (`current` is not changed). Server-side apply is not handled here: it needs field ownership.
 */
export function applyPatchBody(current: Resource, patchType: Exclude<PatchType, 'apply'>, body: Buffer | undefined, contentType: string | undefined): Resource {
  const patched = patchedObject(current, patchType, parseBody(body, contentType));
  // Each operation of a JSON patch may nest within the limit and still build a deeper object.
  if (valueNestsDeeperThan(patched)) throw new BadRequestError(nestingTooDeepMessage('the patched object'));
  return patched;
}

function patchedObject(current: Resource, patchType: Exclude<PatchType, 'apply'>, patch: unknown): Resource {
  if (patchType === 'json') return applyJsonPatchOperations(current, patch);
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    throw new BadRequestError('a merge patch must be a JSON object');
  }
  const mergePatch = patchType === 'strategic' ? withoutStrategicDirectives(patch) : patch;
  const result = applyMergePatch(current, mergePatch);
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    throw new BadRequestError('the patched object is not an object');
  }
  return result as Resource;
}

function applyJsonPatchOperations(current: Resource, operations: unknown): Resource {
  if (!Array.isArray(operations)) throw new BadRequestError('a JSON patch must be an array of operations (RFC 6902)');
  try {
    return applyJsonPatch(deepClone(current) as Resource, operations as Operation[], true, false).newDocument;
  } catch (error) {
    if (error instanceof JsonPatchError) {
      throw new BadRequestError(`the JSON patch cannot be applied: operation ${error.index ?? '?'} (${error.name}): ${firstLine(error.message)}`);
    }
    throw error;
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0];
}

/**
 * A strategic merge patch read as a JSON merge patch: Kastra kinds have no patch strategies, so
 * lists are replaced. `$patch: delete` removes the map it sits in; `$patch: replace` and the
 * other directives (`$setElementOrder/...`, `$retainKeys`, `$deleteFromPrimitiveList/...`) are
 * dropped.
 */
export function withoutStrategicDirectives(patch: unknown): unknown {
  if (Array.isArray(patch)) {
    return patch
      .filter((item) => !(isObject(item) && item.$patch === 'delete'))
      .map((item) => withoutStrategicDirectives(item));
  }
  if (!isObject(patch)) return patch;
  if (patch.$patch === 'delete') return null;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue;
    result[key] = withoutStrategicDirectives(value);
  }
  return result;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
