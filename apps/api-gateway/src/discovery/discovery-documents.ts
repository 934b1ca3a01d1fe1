import { kindsOf, servedGroupVersions, type KindDefinition } from '@kastra/api';

/** What `/version` reports: kubectl 1.32 talks to it without a version-skew warning. */
export const SERVER_GIT_VERSION = 'v1.32.0-kastra.0';

/** Verbs served on every Kastra kind. */
export const RESOURCE_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'];

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

/** A group served by code rather than by kinds of the registry: the self reviews kubectl uses. */
interface StaticGroupVersion {
  group: string;
  version: string;
  resources: Record<string, unknown>[];
}

/** `kubectl auth can-i` and `kubectl auth whoami` post these; every authenticated principal may. */
export const REVIEW_GROUP_VERSIONS: readonly StaticGroupVersion[] = [
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    resources: [
      { name: 'selfsubjectaccessreviews', singularName: 'selfsubjectaccessreview', namespaced: false, kind: 'SelfSubjectAccessReview', verbs: ['create'] },
      { name: 'selfsubjectrulesreviews', singularName: 'selfsubjectrulesreview', namespaced: false, kind: 'SelfSubjectRulesReview', verbs: ['create'] },
    ],
  },
  {
    group: 'authentication.k8s.io',
    version: 'v1',
    resources: [{ name: 'selfsubjectreviews', singularName: 'selfsubjectreview', namespaced: false, kind: 'SelfSubjectReview', verbs: ['create'] }],
  },
];

/** Every served group and version: the registry's, then the review groups. */
function groupVersions(): { group: string; version: string }[] {
  return [...servedGroupVersions(), ...REVIEW_GROUP_VERSIONS];
}

/** Kubernetes' version priority: GA before beta before alpha, higher numbers first, others last by name. */
export function compareKubeVersions(a: string, b: string): number {
  const rank = (version: string): [number, number, number] | undefined => {
    const match = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(version);
    if (!match) return undefined;
    return [match[2] === undefined ? 2 : match[2] === 'beta' ? 1 : 0, Number(match[1]), Number(match[3] ?? 0)];
  };
  const [ra, rb] = [rank(a), rank(b)];
  if (!ra || !rb) return ra ? -1 : rb ? 1 : a.localeCompare(b);
  return rb[0] - ra[0] || rb[1] - ra[1] || rb[2] - ra[2];
}

function apiGroup(group: string): Record<string, unknown> | undefined {
  const versions = groupVersions()
    .filter((gv) => gv.group === group)
    .sort((a, b) => compareKubeVersions(a.version, b.version))
    .map((gv) => ({ groupVersion: `${gv.group}/${gv.version}`, version: gv.version }));
  return versions.length === 0 ? undefined : { name: group, versions, preferredVersion: versions[0] };
}

/** `GET /apis`. */
export function apiGroupList(): Record<string, unknown> {
  const groups = [...new Set(groupVersions().map((gv) => gv.group))].map((group) => apiGroup(group)!);
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

/** `GET /apis/{group}`; undefined for a group not served. */
export function apiGroupDocument(group: string): Record<string, unknown> | undefined {
  const document = apiGroup(group);
  return document && { kind: 'APIGroup', apiVersion: 'v1', ...document };
}

/** The resources of one kind: itself, its status and action subresources. */
function kindResources(kind: KindDefinition): Record<string, unknown>[] {
  const resource = {
    name: kind.plural,
    singularName: kind.singular,
    namespaced: kind.namespaced,
    kind: kind.kind,
    verbs: RESOURCE_VERBS,
    shortNames: kind.shortNames,
    categories: kind.categories ?? [],
  };
  const subresource = (name: string, verbs: string[]) => ({ name: `${kind.plural}/${name}`, singularName: '', namespaced: kind.namespaced, kind: kind.kind, verbs });
  return [
    resource,
    ...(kind.hasStatus ? [subresource('status', STATUS_VERBS)] : []),
    ...(kind.subresources ?? []).map((sub) => subresource(sub.name, sub.verbs)),
  ];
}

/** `GET /apis/{group}/{version}`: every kind of it with its subresources; undefined for a group-version not served. */
export function groupVersionResources(group: string, version: string): Record<string, unknown> | undefined {
  const groupVersion = `${group}/${version}`;
  const fixed = REVIEW_GROUP_VERSIONS.find((gv) => gv.group === group && gv.version === version);
  if (fixed) return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources: fixed.resources };
  const kinds = kindsOf(group, version);
  if (kinds.length === 0) return undefined;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources: kinds.flatMap(kindResources) };
}
