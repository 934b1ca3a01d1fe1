import { parseAllDocuments } from 'yaml';
import { BadRequestError, nestingTooDeepMessage, RequestEntityTooLargeError, valueNestsDeeperThan, type Resource } from '@kastra/api';
import { MAX_BODY_BYTES } from '../http/raw-body.middleware';
import { YAML_MAX_ALIAS_COUNT, yamlTextNestsDeeperThan } from '../http/yaml-text-limits';

/**
 * The one resource of an Apply request's manifest, written as YAML or JSON (JSON is YAML, so one
 * parser reads both). Unparseable text, several documents or a non-object is a BadRequestError
 * that says which; the shape of the object itself is checked later, by validation. The limits
 * of a REST body hold here too: 3 MiB, 100 levels of nesting, YAML aliases capped.
 */
export function parseManifestText(text: string): Resource {
  if (text.trim() === '') throw new BadRequestError('manifest is empty: send one resource as YAML or JSON');
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) throw new RequestEntityTooLargeError(`manifest is larger than ${MAX_BODY_BYTES} bytes`);
  if (yamlTextNestsDeeperThan(text)) throw new BadRequestError(nestingTooDeepMessage('manifest'));
  const documents = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
  // parseAllDocuments returns an EmptyStream (an array with an `empty` flag) for comment-only text.
  const list = Array.isArray(documents) ? documents : [documents];
  const nonEmpty = list.filter((doc) => doc.contents !== null || doc.errors.length > 0);
  if (nonEmpty.length === 0) throw new BadRequestError('manifest is empty: send one resource as YAML or JSON');
  if (nonEmpty.length > 1) {
    throw new BadRequestError(`manifest holds ${nonEmpty.length} documents: Apply takes exactly one resource per call`);
  }
  const [document] = nonEmpty;
  if (document.errors.length > 0) {
    throw new BadRequestError(`manifest is not valid YAML or JSON: ${firstLine(document.errors[0].message)}`);
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: YAML_MAX_ALIAS_COUNT });
  } catch (error) {
    // The yaml package throws a ReferenceError for aliases past maxAliasCount.
    throw new BadRequestError(`manifest is not acceptable YAML: ${firstLine((error as Error).message)}`);
  }
  if (valueNestsDeeperThan(value)) throw new BadRequestError(nestingTooDeepMessage('manifest'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadRequestError('manifest must be one object with apiVersion, kind, metadata and spec');
  }
  return value as Resource;
}

function firstLine(message: string): string {
  return message.split('\n')[0];
}
