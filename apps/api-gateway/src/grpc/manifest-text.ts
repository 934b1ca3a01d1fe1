import { parseAllDocuments } from 'yaml';
import { BadRequestError, type Resource } from '@kastra/api';

/**
 * The one resource of an Apply request's manifest, written as YAML or JSON (JSON is YAML, so one
 * parser reads both). Unparseable text, several documents or a non-object is a BadRequestError
 * that says which; the shape of the object itself is checked later, by validation.
 */
export function parseManifestText(text: string): Resource {
  if (text.trim() === '') throw new BadRequestError('manifest is empty: send one resource as YAML or JSON');
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
  const value: unknown = document.toJS({ maxAliasCount: 100 });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadRequestError('manifest must be one object with apiVersion, kind, metadata and spec');
  }
  return value as Resource;
}

function firstLine(message: string): string {
  return message.split('\n')[0];
}
