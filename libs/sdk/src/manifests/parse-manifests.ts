import { parseAllDocuments } from 'yaml';
import { MAX_NESTING_DEPTH, nestingTooDeepMessage, valueNestsDeeperThan } from '@kastra/api';
import { ManifestSyntaxError } from '../errors/kastra-errors';
import type { RuntimeResource } from '../resources/runtime-resource';

/** As the gateway: enough anchors for manifests that share a block, too few for a YAML bomb. */
const MAX_ALIAS_COUNT = 100;

/**
 * The manifests of a YAML (or JSON) text: every document, in order; empty documents are skipped
 * and a `kind: List` document contributes its `items`. Not validated here — applying does that.
 */
export function parseManifests(text: string, source?: string): RuntimeResource[] {
  const documents = parseAllDocuments(text, { uniqueKeys: true });
  const list = Array.isArray(documents) ? documents : [documents];
  const manifests: RuntimeResource[] = [];
  list.forEach((document, index) => {
    const where = list.length > 1 ? `document ${index + 1}: ` : '';
    if (document.errors.length > 0) throw new ManifestSyntaxError(`${where}not valid YAML: ${document.errors[0].message.split('\n')[0]}`, source);
    if (document.contents === null) return;
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      throw new ManifestSyntaxError(`${where}not acceptable YAML: ${(error as Error).message.split('\n')[0]}`, source);
    }
    if (valueNestsDeeperThan(value, MAX_NESTING_DEPTH)) throw new ManifestSyntaxError(`${where}${nestingTooDeepMessage('the manifest')}`, source);
    if (value === null || value === undefined) return;
    if (typeof value !== 'object' || Array.isArray(value)) throw new ManifestSyntaxError(`${where}a manifest must be a mapping (apiVersion, kind, metadata, spec)`, source);
    const record = value as Record<string, unknown>;
    if (record.kind === 'List' && Array.isArray(record.items)) manifests.push(...(record.items as RuntimeResource[]));
    else manifests.push(record as unknown as RuntimeResource);
  });
  return manifests;
}
