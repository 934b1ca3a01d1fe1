import type { Resource } from './resource';

/** A JSON Schema (draft 2020-12 subset that is also valid OpenAPI v3 structural schema). */
export type JsonSchema = Record<string, unknown>;

/** A column of `kubectl get` (a Kubernetes additionalPrinterColumn). */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  /** Simple JSONPath such as `.spec.provider` or `.status.conditions[?(@.type=="Ready")].status`. */
  jsonPath: string;
  description?: string;
  /** 0 shows in the default table; 1 only with `-o wide`. @default 0 */
  priority?: number;
}

/** A reference from one resource's spec to another resource. */
export interface ResourceReference {
  kind: string;
  namespace: string;
  name: string;
  /** Where in the referring object the reference sits, e.g. `spec.model.ref`. */
  field: string;
}

/** Everything Kastra knows of one kind: its names, schema, table columns and references. */
export interface KindDefinition {
  kind: string;
  /** Lowercase plural used in REST paths, e.g. `llms`. */
  plural: string;
  singular: string;
  shortNames: string[];
  /** Every Kastra kind is namespaced. */
  namespaced: true;
  /** Kinds with `status` served as a subresource (all but Secret). */
  hasStatus: boolean;
  /** Schema of the whole object (apiVersion, kind, metadata, spec, status...). */
  schema: JsonSchema;
  printerColumns: PrinterColumn[];
  /** The resources this object's spec refers to (for live reference resolution). */
  references(resource: Resource): ResourceReference[];
  /** One line for `kubectl explain`. */
  description: string;
}
