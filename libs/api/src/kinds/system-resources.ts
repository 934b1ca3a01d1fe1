import type { FieldPathSegment } from '../field-path';
import type { JsonSchema } from '../kind-definition';
import { asArray, asRecord } from './builtin-kind';
import { dnsLabelSchema, freeForm } from './spec-schemas';

/**
 * `spec.resources[]` of a System: children of any kind a CustomResourceDefinition adds, each
 * `{apiVersion, kind, name, labels?, spec?}`. Built-in kinds are declared in their own lists
 * (`spec.agents`, ...). The spec is checked with the CRD's structural schema when the System is
 * written and the kind is served; a kind not served yet is accepted (the System waits for it).
 */
export const systemResourcesSchema: JsonSchema = {
  type: 'array',
  description: 'Objects of custom kinds (defined by CustomResourceDefinitions) created in the System\'s namespace, owned by it.',
  items: {
    type: 'object',
    description: 'An object of a custom kind: its apiVersion, kind, name and spec.',
    required: ['apiVersion', 'kind', 'name'],
    additionalProperties: false,
    properties: {
      apiVersion: { type: 'string', description: 'group/version the kind is served under, e.g. mastra.ai/v1alpha1.', pattern: '^[a-z0-9.-]+/[a-z0-9]+$' },
      kind: { type: 'string', description: 'The custom kind, e.g. DataSource.', minLength: 1 },
      name: dnsLabelSchema('Name of the object; siblings refer to it by this name.'),
      labels: {
        type: 'object',
        description: 'Labels added to the object (besides mastra.ai/system).',
        additionalProperties: { type: 'string', description: 'A label value.' },
      },
      spec: freeForm("The object's spec, as its CustomResourceDefinition's schema describes it."),
    },
  },
};

/** One entry of `spec.resources`, as written, and where it sits. */
export interface SystemResourceEntry {
  index: number;
  apiVersion: unknown;
  kind: unknown;
  name: unknown;
  labels: Record<string, string> | undefined;
  spec: Record<string, unknown> | undefined;
  at: FieldPathSegment[];
}

/** The entries of a System spec's `resources` list that are objects. */
export function systemResourceEntries(spec: Record<string, unknown>, at: FieldPathSegment[]): SystemResourceEntry[] {
  const entries: SystemResourceEntry[] = [];
  for (const [index, value] of asArray(spec.resources).entries()) {
    const entry = asRecord(value);
    if (!entry) continue;
    entries.push({
      index,
      apiVersion: entry.apiVersion,
      kind: entry.kind,
      name: entry.name,
      labels: asRecord(entry.labels) as Record<string, string> | undefined,
      spec: asRecord(entry.spec),
      at: [...at, 'resources', index],
    });
  }
  return entries;
}
