import { API_GROUP, API_GROUP_VERSION, API_VERSION, type KindDefinition } from '@kastra/api';

/** What `/version` reports: kubectl 1.32 talks to it without a version-skew warning. */
export const SERVER_GIT_VERSION = 'v1.32.0-kastra.0';

/** Verbs served on every Kastra kind (deletecollection is not implemented). */
export const RESOURCE_VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'];

const GROUP_VERSION = { groupVersion: API_GROUP_VERSION, version: API_VERSION };

export function versionInfo(): Record<string, string> {
  return {
    major: '1',
    minor: '32',
    gitVersion: SERVER_GIT_VERSION,
    gitCommit: '',
    gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z',
    goVersion: 'n/a',
    compiler: 'n/a',
    platform: `${process.platform}/${process.arch}`,
  };
}

/** `GET /api`: the legacy core group's versions. */
export function coreApiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/**
 * `GET /api/v1`: only what kubectl itself reaches for: namespaces (it may GET the one it works in)
 * and events (`kubectl describe` lists them; Kastra has none yet).
 */
export function coreV1Resources(): Record<string, unknown> {
  return {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs: ['get', 'list'], shortNames: ['ns'] },
      { name: 'events', singularName: 'event', namespaced: true, kind: 'Event', verbs: ['list'], shortNames: ['ev'] },
    ],
  };
}

function apiGroup(): Record<string, unknown> {
  return { name: API_GROUP, versions: [GROUP_VERSION], preferredVersion: GROUP_VERSION };
}

/** `GET /apis`. */
export function apiGroupList(): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [apiGroup()] };
}

/** `GET /apis/mastra.ai`. */
export function apiGroupDocument(): Record<string, unknown> {
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup() };
}

/** `GET /apis/mastra.ai/v1`: every kind and its status subresource. */
export function groupVersionResources(kinds: readonly KindDefinition[]): Record<string, unknown> {
  const resources = kinds.flatMap((kind) => {
    const resource = {
      name: kind.plural,
      singularName: kind.singular,
      namespaced: kind.namespaced,
      kind: kind.kind,
      verbs: RESOURCE_VERBS,
      shortNames: kind.shortNames,
      // Like Kubernetes Secrets, Kastra Secrets stay out of `kubectl get all`.
      categories: kind.kind === 'Secret' ? ['mastra'] : ['all', 'mastra'],
    };
    const status = { name: `${kind.plural}/status`, singularName: '', namespaced: kind.namespaced, kind: kind.kind, verbs: STATUS_VERBS };
    return kind.hasStatus ? [resource, status] : [resource];
  });
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: API_GROUP_VERSION, resources };
}
