import type { JsonSchema, PrinterColumn } from '../kind-definition';

/** Free-form object: keeps fields the schema does not list (OpenAPI structural-schema escape hatch). */
export const PRESERVE_UNKNOWN = 'x-kubernetes-preserve-unknown-fields';

const stringMap = (description: string): JsonSchema => ({
  type: 'object',
  description,
  additionalProperties: { type: 'string', description: 'A string value.' },
});

const ownerReferenceSchema: JsonSchema = {
  type: 'object',
  description: 'An object this one belongs to; deleting the owner deletes it (garbage collection).',
  required: ['apiVersion', 'kind', 'name', 'uid'],
  additionalProperties: false,
  properties: {
    apiVersion: { type: 'string', description: 'API version of the owner.' },
    kind: { type: 'string', description: 'Kind of the owner.' },
    name: { type: 'string', description: 'Name of the owner.' },
    uid: { type: 'string', description: 'UID of the owner.' },
    controller: { type: 'boolean', description: 'True when the owner is the managing controller.' },
    blockOwnerDeletion: { type: 'boolean', description: 'Owner deletion waits for this object to go.' },
  },
};

/**
 * Kubernetes ObjectMeta. Name, namespace and label syntax are checked in code
 * (object-meta-validation.ts) to give Kubernetes' messages; the schema checks types.
 */
export const objectMetaSchema: JsonSchema = {
  type: 'object',
  description: 'Standard object metadata.',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', description: 'Name, unique per kind and namespace; a DNS-1123 label.' },
    generateName: { type: 'string', description: 'Accepted for kubectl compatibility; Kastra requires name.' },
    namespace: { type: 'string', description: 'Namespace (any DNS-1123 label). @default default' },
    labels: stringMap('Labels used by label selectors; keys and values follow Kubernetes syntax.'),
    annotations: stringMap('Non-identifying metadata, e.g. kubectl last-applied-configuration.'),
    uid: { type: 'string', description: 'Server-set: unique id of this incarnation.' },
    resourceVersion: { type: 'string', description: 'Server-set: version for optimistic concurrency.' },
    generation: { type: 'integer', description: 'Server-set: bumped on every spec change.' },
    creationTimestamp: { type: 'string', description: 'Server-set: RFC 3339 creation time.' },
    deletionTimestamp: { type: 'string', description: 'Server-set: when deletion was requested.' },
    deletionGracePeriodSeconds: { type: 'integer', description: 'Accepted for compatibility; unused.' },
    selfLink: { type: 'string', description: 'Deprecated; accepted for compatibility.' },
    finalizers: {
      type: 'array',
      description: 'Deletion waits until this list is empty.',
      items: { type: 'string', description: 'A finalizer name.' },
    },
    ownerReferences: { type: 'array', description: 'Owners of this object.', items: ownerReferenceSchema },
    managedFields: {
      type: 'array',
      description: 'Server-side apply bookkeeping; accepted, not interpreted.',
      items: { type: 'object', description: 'A field manager entry.', [PRESERVE_UNKNOWN]: true },
    },
  },
};

export const conditionSchema: JsonSchema = {
  type: 'object',
  description: 'One aspect of the current state.',
  required: ['type', 'status'],
  additionalProperties: false,
  properties: {
    type: { type: 'string', description: 'Condition type, e.g. Ready or Succeeded.' },
    status: { type: 'string', enum: ['True', 'False', 'Unknown'], description: 'True, False or Unknown.' },
    reason: { type: 'string', description: 'CamelCase machine-readable reason.' },
    message: { type: 'string', description: 'What is wrong and what to do, for a person.' },
    lastTransitionTime: { type: 'string', description: 'When status last changed (RFC 3339).' },
    observedGeneration: { type: 'integer', description: 'The generation this condition was computed from.' },
  },
};

/** Status is written by controllers; the known part is typed, the rest is kind-specific. */
export const statusSchema: JsonSchema = {
  type: 'object',
  description: 'Observed state, written by the controller.',
  [PRESERVE_UNKNOWN]: true,
  properties: {
    phase: { type: 'string', description: 'A one-word summary derived from the conditions.' },
    observedGeneration: { type: 'integer', description: 'The generation the controller last acted on.' },
    conditions: { type: 'array', description: 'Current conditions.', items: conditionSchema },
  },
};

/** The whole object schema of a kind with a `spec` (every built-in kind but Secret). */
export function resourceSchema(kind: string, description: string, specSchema: JsonSchema): JsonSchema {
  return {
    type: 'object',
    description,
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    additionalProperties: false,
    properties: {
      apiVersion: { type: 'string', description: 'Always mastra.ai/v1.' },
      kind: { type: 'string', description: `Always ${kind}.` },
      metadata: objectMetaSchema,
      spec: specSchema,
      status: statusSchema,
    },
  };
}

export const readyColumn: PrinterColumn = {
  name: 'Ready',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
  description: 'Status of the Ready condition.',
};

export const ageColumn: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'Time since creation.',
};
