import type { FieldCause } from '../api-errors';
import { BUILTIN_KIND_NAMES } from './kind-names';
import type { JsonSchema, ResourceReference } from '../kind-definition';
import { formatFieldPath, type FieldPathSegment } from '../field-path';
import { DEFAULT_NAMESPACE, type Resource, MASTRA_KIND_PLACEMENT } from '../resource';
import { resolveReferences } from '../references';
import { agentKind } from './agent-kind';
import { asArray, asRecord, type BuiltinKind, type RawReference } from './builtin-kind';
import { llmKind } from './llm-kind';
import { networkKind } from './network-kind';
import { ageColumn, readyColumn, resourceSchema } from './resource-schema';
import { dnsLabelSchema } from './spec-schemas';
import { systemResourceEntries, systemResourcesSchema } from './system-resources';
import { toolKind } from './tool-kind';
import { workflowKind } from './workflow-kind';

const DESCRIPTION = 'A group of agents, workflows, networks, tools, LLMs and objects of custom kinds declared inline and owned as one.';

/** The System spec lists and the kind of child each holds. */
export const SYSTEM_CHILD_LISTS = {
  llms: llmKind,
  tools: toolKind,
  agents: agentKind,
  workflows: workflowKind,
  networks: networkKind,
} as const;
export type SystemChildList = keyof typeof SYSTEM_CHILD_LISTS;

function childList(kind: BuiltinKind): JsonSchema {
  return {
    type: 'array',
    description: `${kind.kind} resources created in the System's namespace, owned by it.`,
    items: {
      type: 'object',
      description: `A ${kind.kind}: its name and spec.`,
      required: ['name', 'spec'],
      additionalProperties: false,
      properties: {
        name: dnsLabelSchema(`Name of the ${kind.kind}; siblings refer to it by this name.`),
        labels: {
          type: 'object',
          description: 'Labels added to the child (besides mastra.ai/system).',
          additionalProperties: { type: 'string', description: 'A label value.' },
        },
        spec: kind.specSchema as JsonSchema,
      },
    },
  };
}

export const systemSpecSchema: JsonSchema = {
  type: 'object',
  description: 'The children, by kind.',
  additionalProperties: false,
  properties: {
    description: { type: 'string', description: 'What the system does.' },
    ...Object.fromEntries(Object.entries(SYSTEM_CHILD_LISTS).map(([list, kind]) => [list, childList(kind)])),
    resources: systemResourcesSchema,
  },
};

/** Each child's spec and where it sits in the System. */
export function systemChildren(
  spec: Record<string, unknown>,
  at: FieldPathSegment[],
): Array<{ list: SystemChildList; kind: BuiltinKind; index: number; name: unknown; spec: Record<string, unknown> | undefined; at: FieldPathSegment[] }> {
  const children = [];
  for (const [list, kind] of Object.entries(SYSTEM_CHILD_LISTS) as Array<[SystemChildList, BuiltinKind]>) {
    for (const [index, value] of asArray(spec[list]).entries()) {
      const child = asRecord(value);
      if (!child) continue;
      children.push({ list, kind, index, name: child.name, spec: asRecord(child.spec), at: [...at, list, index] });
    }
  }
  return children;
}

function rawReferences(spec: Record<string, unknown>, at: FieldPathSegment[]): RawReference[] {
  return systemChildren(spec, at).flatMap((child) =>
    child.spec ? child.kind.rawReferences(child.spec, [...child.at, 'spec']) : [],
  );
}

function specCauses(spec: Record<string, unknown>, at: FieldPathSegment[]): FieldCause[] {
  const causes: FieldCause[] = [];
  const seen = new Set<string>();
  for (const child of systemChildren(spec, at)) {
    if (child.spec) causes.push(...child.kind.specCauses(child.spec, [...child.at, 'spec']));
    if (typeof child.name !== 'string') continue;
    const identity = `${child.kind.kind}/${child.name}`;
    if (seen.has(identity)) {
      causes.push({
        reason: 'FieldValueDuplicate',
        field: formatFieldPath([...child.at, 'name']),
        message: `Duplicate value: ${JSON.stringify(child.name)}`,
      });
    }
    seen.add(identity);
  }
  for (const entry of systemResourceEntries(spec, at)) {
    if (typeof entry.kind !== 'string' || typeof entry.name !== 'string') continue;
    if (Object.hasOwn(BUILTIN_KIND_NAMES, entry.kind) || entry.kind === 'CustomResourceDefinition') {
      const list = Object.entries(SYSTEM_CHILD_LISTS).find(([, kind]) => kind.kind === entry.kind)?.[0];
      causes.push({
        reason: 'FieldValueNotSupported',
        field: formatFieldPath([...entry.at, 'kind']),
        message: `Unsupported value: ${JSON.stringify(entry.kind)}: resources lists objects of custom kinds${list ? `; declare ${entry.kind} children in spec.${list}` : ''}`,
      });
      continue;
    }
    const identity = `${entry.kind}/${entry.name}`;
    if (seen.has(identity)) {
      causes.push({ reason: 'FieldValueDuplicate', field: formatFieldPath([...entry.at, 'name']), message: `Duplicate value: ${JSON.stringify(entry.name)}` });
    }
    seen.add(identity);
  }
  return causes;
}

/** External references only: a reference to a sibling is satisfied by the System itself. */
function references(resource: Resource): ResourceReference[] {
  const namespace = resource.metadata.namespace || DEFAULT_NAMESPACE;
  const spec = asRecord(resource.spec) ?? {};
  const siblings = new Set(
    systemChildren(spec, ['spec']).map((child) => `${child.kind.kind}/${namespace}/${String(child.name)}`),
  );
  return resolveReferences(rawReferences(spec, ['spec']), namespace).filter(
    (ref) => !siblings.has(`${ref.kind}/${ref.namespace}/${ref.name}`),
  );
}

export const systemKind: BuiltinKind = {
  ...BUILTIN_KIND_NAMES.System,
  ...MASTRA_KIND_PLACEMENT,
  hasStatus: true,
  description: DESCRIPTION,
  specSchema: systemSpecSchema,
  schema: resourceSchema('System', DESCRIPTION, systemSpecSchema),
  printerColumns: [
    { name: 'Agents', type: 'string', jsonPath: '.spec.agents[*].name', description: 'Agent children.' },
    { name: 'Workflows', type: 'string', jsonPath: '.spec.workflows[*].name', description: 'Workflow children.', priority: 1 },
    readyColumn,
    ageColumn,
  ],
  rawReferences,
  specCauses,
  references,
};
