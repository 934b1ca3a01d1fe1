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

/** Between the shape a URL serves and the shape the store keeps. */
export interface KindConversion {
  toServed(stored: Resource): Resource;
  /** Throws InvalidError (422) when the served shape cannot be converted. */
  toStored(served: Resource): Resource;
}

/** A reference from one resource's spec to another resource. */
export interface ResourceReference {
  kind: string;
  namespace: string;
  name: string;
  /** Where in the referring object the reference sits, e.g. `spec.model.ref`. */
  field: string;
}

/** An action served beside a kind's objects (`workflows/{name}/execute`), authorized as `<plural>/<name>`. */
export interface SubresourceDefinition {
  name: string;
  /** The verbs the apiserver would use for it: `create` for a POST, `get` for a GET. */
  verbs: string[];
}

/**
 * Everything Kastra knows of one kind: where it is served (group, version, plural, scope), its
 * schema, table columns and references. The kind registry is the one source of these: routes,
 * discovery, OpenAPI and authorization all read them from it.
 */
export interface KindDefinition {
  /** API group, e.g. `mastra.ai` or `rbac.authorization.k8s.io`. */
  group: string;
  version: string;
  kind: string;
  /** Lowercase plural used in REST paths, e.g. `llms`. */
  plural: string;
  singular: string;
  shortNames: string[];
  /** False for cluster-scoped kinds (served without `namespaces/{ns}`, stored with namespace ''). */
  namespaced: boolean;
  /** Kinds with `status` served as a subresource. */
  hasStatus: boolean;
  /** Actions beside the object (execute, generate, resume, events), for discovery and authorization. */
  subresources?: SubresourceDefinition[];
  /** Top-level fields holding the desired state of kinds without `spec` (Secret, RBAC kinds). @default ['spec'] */
  bodyFields?: string[];
  /** Names are DNS labels, DNS subdomains (custom kinds) or (RBAC kinds, as in Kubernetes) any path segment such as `system:masters`. @default 'dns-label' */
  nameRule?: 'dns-label' | 'dns-subdomain' | 'path-segment';
  /**
   * Objects served in another shape than they are stored in: a CRD read or written as
   * `mastra.ai/v1alpha1`, a custom kind's other served versions. The store only sees stored shapes.
   */
  conversion?: KindConversion;
  /** Set on kinds a CustomResourceDefinition added: the CRD's name. */
  definedBy?: string;
  /** Categories for `kubectl get <category>`. @default [] */
  categories?: string[];
  /** Schema of the whole object (apiVersion, kind, metadata, spec, status...). */
  schema: JsonSchema;
  printerColumns: PrinterColumn[];
  /** The resources this object's spec refers to (for live reference resolution). */
  references(resource: Resource): ResourceReference[];
  /** One line for `kubectl explain`. */
  description: string;
}
