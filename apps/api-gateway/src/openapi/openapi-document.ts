import { createHash } from 'node:crypto';
import { apiVersionOf, type JsonSchema, type KindDefinition } from '@kastra/api';
import { SERVER_GIT_VERSION } from '../discovery/discovery-documents';
import { runPaths } from './openapi-run-paths';

/** Schema names as the apiserver writes them for a group (`mastra.ai` -> `ai.mastra.v1.Agent`, RBAC: `io.k8s.api.rbac.v1.Role`). */
export function schemaName(kind: string, group = 'mastra.ai', version = 'v1'): string {
  if (group.endsWith('.k8s.io')) return `io.k8s.api.${group.slice(0, -'.k8s.io'.length).split('.')[0]}.${version}.${kind}`;
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

/** `mastraAi`, `rbacAuthorizationK8sIo`: a group as operation ids and tags spell it. */
function camelGroup(group: string): string {
  return group.split('.').map((part, i) => (i === 0 ? part : part.charAt(0).toUpperCase() + part.slice(1))).join('');
}

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

const statusSchema: JsonSchema = {
  type: 'object',
  description: 'Status is a return value for calls that do not return other objects.',
  properties: {
    apiVersion: { type: 'string', description: 'v1' },
    kind: { type: 'string', description: 'Status' },
    status: { type: 'string', description: 'Success or Failure.' },
    message: { type: 'string', description: 'A human-readable description of the status.' },
    reason: { type: 'string', description: 'A machine-readable description of why this operation failed.' },
    code: { type: 'integer', description: 'The HTTP status code.' },
    details: { type: 'object', description: 'Extended data about the error.', 'x-kubernetes-preserve-unknown-fields': true },
  },
  'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'Status' }],
};

const listMetaSchema: JsonSchema = {
  type: 'object',
  description: 'Metadata of a list.',
  properties: {
    resourceVersion: { type: 'string', description: 'The log position the list was read at.' },
    continue: { type: 'string', description: 'Set when the list was cut at limit: pass it as continue to read the next page.' },
    remainingItemCount: { type: 'integer', description: 'How many objects are left after this page (when known).' },
  },
};

const deleteOptionsSchema: JsonSchema = {
  type: 'object',
  description: 'Options of a delete: preconditions and dryRun (propagationPolicy and gracePeriodSeconds are accepted and ignored).',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    preconditions: { type: 'object', properties: { resourceVersion: { type: 'string' }, uid: { type: 'string' } } },
    dryRun: { type: 'array', items: { type: 'string' } },
    propagationPolicy: { type: 'string' },
    gracePeriodSeconds: { type: 'integer' },
  },
};

const metaSchemas = (): Record<string, JsonSchema> => ({ [`${META}.Status`]: statusSchema, [`${META}.ListMeta`]: listMetaSchema, [`${META}.DeleteOptions`]: deleteOptionsSchema });

function param(name: string, description: string, type = 'string', uniqueItems = true): JsonSchema {
  return { name, in: 'query', description, schema: { type, uniqueItems } };
}

const DRY_RUN = param('dryRun', 'When present (All), validate and compute the result but store nothing.');
const FIELD_MANAGER = param('fieldManager', 'The name of the actor making the change (required for apply patches).');
// kubectl 1.27+ looks for this parameter on PATCH to delegate validation to the server.
const FIELD_VALIDATION = param('fieldValidation', 'How to treat unknown or duplicate fields: Ignore, Warn or Strict (the default).');
const FORCE = param('force', 'Force an apply over conflicts (Kastra does not track conflicts).', 'boolean');
const WATCH = param('watch', 'Stream changes instead of listing.', 'boolean');
const RESOURCE_VERSION = param('resourceVersion', 'For a watch, the position to resume from (exclusive).');
const LABEL_SELECTOR = param('labelSelector', 'Only objects whose labels match, e.g. app=kitchen-helper.');
const FIELD_SELECTOR = param('fieldSelector', 'Only objects matching metadata.name / metadata.namespace.');
const LIMIT = param('limit', 'At most this many objects; the list metadata then carries a continue token for the rest.', 'integer');
const CONTINUE = param('continue', 'The continue token of the previous page (resourceVersion must then be unset or 0).');
const TIMEOUT = param('timeoutSeconds', 'End the watch after this many seconds.', 'integer');
const LIST_PARAMETERS = [LABEL_SELECTOR, FIELD_SELECTOR, RESOURCE_VERSION, TIMEOUT, WATCH, LIMIT, CONTINUE];
const NAME = { name: 'name', in: 'path', required: true, description: 'Name of the object.', schema: { type: 'string', uniqueItems: true } };
const NAMESPACE = { name: 'namespace', in: 'path', required: true, description: 'Namespace of the object.', schema: { type: 'string', uniqueItems: true } };

function body(schema: JsonSchema, types = ['application/json', 'application/yaml']): JsonSchema {
  return { required: true, content: Object.fromEntries(types.map((type) => [type, { schema }])) };
}

function responses(schema: JsonSchema, codes: string[]): JsonSchema {
  return Object.fromEntries([
    ...codes.map((code) => [code, { description: 'OK', content: { 'application/json': { schema } } }]),
    ['401', { description: 'Unauthorized' }],
  ]);
}

function operation(kind: KindDefinition, action: string, verb: string, extra: JsonSchema): JsonSchema {
  const group = camelGroup(kind.group);
  const version = kind.version.charAt(0).toUpperCase() + kind.version.slice(1);
  return {
    description: `${verb} ${kind.kind}`,
    operationId: `${verb}${group.charAt(0).toUpperCase()}${group.slice(1)}${version}${kind.kind}`,
    tags: [`${group}_${kind.version}`],
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: kind.group, version: kind.version, kind: kind.kind },
    ...extra,
  };
}

const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];

function kindPaths(kind: KindDefinition): Record<string, JsonSchema> {
  const object = ref(schemaName(kind.kind, kind.group, kind.version));
  const list = ref(schemaName(`${kind.kind}List`, kind.group, kind.version));
  const base = `/apis/${apiVersionOf(kind)}`;
  // Namespaced kinds live under namespaces/{namespace} (and list across all); cluster-scoped ones at the top.
  const scope = kind.namespaced ? '/namespaces/{namespace}' : '';
  const scopeParameters = kind.namespaced ? [NAMESPACE] : [];
  const item = {
    parameters: [NAME, ...scopeParameters],
    get: operation(kind, 'get', 'read', { responses: responses(object, ['200']) }),
    put: operation(kind, 'put', 'replace', { parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION], requestBody: body(object), responses: responses(object, ['200', '201']) }),
    patch: operation(kind, 'patch', 'patch', {
      parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE],
      requestBody: body({ type: 'object', description: 'A patch document.' }, PATCH_TYPES),
      responses: responses(object, ['200', '201']),
    }),
    delete: operation(kind, 'delete', 'delete', { parameters: [DRY_RUN], responses: responses(ref(`${META}.Status`), ['200', '202']) }),
  };
  const paths: Record<string, JsonSchema> = {
    [`${base}${scope}/${kind.plural}`]: {
      parameters: scopeParameters,
      get: operation(kind, 'list', 'list', { parameters: LIST_PARAMETERS, responses: responses(list, ['200']) }),
      post: operation(kind, 'post', 'create', { parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION], requestBody: body(object), responses: responses(object, ['200', '201']) }),
      delete: operation(kind, 'deletecollection', 'deletecollection', {
        parameters: [LABEL_SELECTOR, FIELD_SELECTOR, DRY_RUN],
        requestBody: { required: false, content: { 'application/json': { schema: ref(`${META}.DeleteOptions`) } } },
        responses: responses(list, ['200']),
      }),
    },
    [`${base}${scope}/${kind.plural}/{name}`]: item,
  };
  if (kind.namespaced) {
    paths[`${base}/${kind.plural}`] = {
      get: operation(kind, 'list', 'listAllNamespaces', { parameters: LIST_PARAMETERS, responses: responses(list, ['200']) }),
    };
  }
  if (kind.hasStatus) {
    paths[`${base}${scope}/${kind.plural}/{name}/status`] = {
      parameters: [NAME, ...scopeParameters],
      get: operation(kind, 'get', 'readStatus', { responses: responses(object, ['200']) }),
      put: operation(kind, 'put', 'replaceStatus', { parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION], requestBody: body(object), responses: responses(object, ['200']) }),
      patch: operation(kind, 'patch', 'patchStatus', {
        parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE],
        requestBody: body({ type: 'object', description: 'A patch document.' }, PATCH_TYPES),
        responses: responses(object, ['200']),
      }),
    };
  }
  return paths;
}

function kindSchemas(kind: KindDefinition): Record<string, JsonSchema> {
  const gvk = (name: string) => [{ group: kind.group, version: kind.version, kind: name }];
  const name = (of: string) => schemaName(of, kind.group, kind.version);
  return {
    [name(kind.kind)]: { ...kind.schema, 'x-kubernetes-group-version-kind': gvk(kind.kind) },
    [name(`${kind.kind}List`)]: {
      type: 'object',
      description: `A list of ${kind.kind}.`,
      required: ['items'],
      properties: {
        apiVersion: { type: 'string', description: apiVersionOf(kind) },
        kind: { type: 'string', description: `${kind.kind}List` },
        metadata: ref(`${META}.ListMeta`),
        items: { type: 'array', description: `The ${kind.plural}.`, items: ref(name(kind.kind)) },
      },
      'x-kubernetes-group-version-kind': gvk(`${kind.kind}List`),
    },
  };
}

/** `GET /openapi/v3/apis/{group}/{version}` of the given kinds (one group-version's): the schemas kubectl explains and the operations it probes. */
export function groupVersionOpenApi(kinds: readonly KindDefinition[]): JsonSchema {
  const runs = runPaths(kinds);
  return {
    openapi: '3.0.0',
    info: { title: 'Kastra', version: SERVER_GIT_VERSION },
    paths: Object.assign({}, ...kinds.map(kindPaths), runs.paths),
    components: {
      schemas: Object.assign(metaSchemas(), ...kinds.map(kindSchemas), runs.schemas),
    },
  };
}

/** `GET /openapi/v3/api/v1`: the little of the core group Kastra serves. */
export function coreOpenApi(): JsonSchema {
  return {
    openapi: '3.0.0',
    info: { title: 'Kastra', version: SERVER_GIT_VERSION },
    paths: {},
    components: { schemas: metaSchemas() },
  };
}

/** The hash kubectl caches a document under (changes whenever the document does). */
export function documentHash(document: unknown): string {
  return createHash('sha512').update(JSON.stringify(document)).digest('hex').toUpperCase();
}

/** `GET /openapi/v3`: where each group-version's document is. */
export function openApiRoot(documents: Record<string, unknown>): Record<string, unknown> {
  return {
    paths: Object.fromEntries(
      Object.entries(documents).map(([path, document]) => [path, { serverRelativeURL: `/openapi/v3/${path}?hash=${documentHash(document)}` }]),
    ),
  };
}
