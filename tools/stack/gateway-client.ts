import { API_GROUP_VERSION, DEFAULT_NAMESPACE, type Resource } from '@kastra/api';
import type { ExampleManifest } from './example-manifests';

/** A served kind as discovery lists it. */
export interface ServedKind {
  plural: string;
  namespaced: boolean;
  /** `group/version` the kind is served under. @default mastra.ai/v1 */
  groupVersion?: string;
}

interface ApiGroupList {
  groups?: { name: string; preferredVersion?: { groupVersion: string }; versions?: { groupVersion: string }[] }[];
}

interface ApiResourceList {
  resources?: { name: string; kind: string; namespaced?: boolean }[];
}

interface KubernetesStatus {
  message?: string;
  reason?: string;
}

export class GatewayRequestError extends Error {
  override readonly name = 'GatewayRequestError';
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** The few calls the stack makes to the api-gateway's Kubernetes-compatible REST API. */
export class GatewayClient {
  constructor(private readonly baseUrl: string, private readonly token: string) {}

  /** Whether `/readyz` answers 200. */
  async isReady(): Promise<boolean> {
    try {
      return (await fetch(`${this.baseUrl}/readyz`, { signal: AbortSignal.timeout(2000) })).ok;
    } catch {
      return false;
    }
  }

  /**
   * Kinds served in every group (custom kinds of CRDs included), subresources left out: by
   * `apiVersion|kind` (servedKindOf), and by kind name alone (mastra.ai/v1 first, then
   * discovery's order).
   */
  async discover(): Promise<Map<string, ServedKind>> {
    const groups = (await this.request('GET', '/apis')) as ApiGroupList;
    const groupVersions = new Set<string>([API_GROUP_VERSION]);
    for (const group of groups.groups ?? []) {
      for (const version of group.versions ?? (group.preferredVersion ? [group.preferredVersion] : [])) groupVersions.add(version.groupVersion);
    }
    const kinds = new Map<string, ServedKind>();
    for (const groupVersion of groupVersions) {
      const list = (await this.request('GET', `/apis/${groupVersion}`)) as ApiResourceList;
      for (const resource of list.resources ?? []) {
        if (resource.name.includes('/')) continue;
        const served = { plural: resource.name, namespaced: resource.namespaced !== false, groupVersion };
        kinds.set(`${groupVersion}|${resource.kind}`, served);
        if (!kinds.has(resource.kind)) kinds.set(resource.kind, served);
      }
    }
    return kinds;
  }

  /** Server-side apply of an object built in code (JSON is YAML). */
  async applyObject(object: { kind: string; metadata: { name: string; namespace?: string } }, kind: ServedKind): Promise<Resource> {
    const target = { name: object.metadata.name, namespace: object.metadata.namespace ?? DEFAULT_NAMESPACE };
    return (await this.request('PATCH', `${this.objectPath(target, kind)}?fieldManager=kastra&force=true`, JSON.stringify(object), 'application/apply-patch+yaml')) as Resource;
  }

  /** Merge-patches the status subresource of an object. */
  async patchStatus(target: { name: string; namespace: string }, kind: ServedKind, status: Record<string, unknown>): Promise<Resource> {
    return (await this.request('PATCH', `${this.objectPath(target, kind)}/status`, JSON.stringify({ status }), 'application/merge-patch+json')) as Resource;
  }

  /** Server-side apply of one document (creates or updates; our field manager wins conflicts). */
  async apply(manifest: ExampleManifest, kind: ServedKind): Promise<Resource> {
    const query = '?fieldManager=kastra&force=true';
    return (await this.request('PATCH', `${this.objectPath(manifest, kind)}${query}`, manifest.yaml, 'application/apply-patch+yaml')) as Resource;
  }

  async get(manifest: ExampleManifest, kind: ServedKind): Promise<Resource> {
    return (await this.request('GET', this.objectPath(manifest, kind))) as Resource;
  }

  private objectPath(manifest: Pick<ExampleManifest, 'name' | 'namespace'>, kind: ServedKind): string {
    const scope = kind.namespaced ? `/namespaces/${encodeURIComponent(manifest.namespace)}` : '';
    return `/apis/${kind.groupVersion ?? API_GROUP_VERSION}${scope}/${kind.plural}/${encodeURIComponent(manifest.name)}`;
  }

  private async request(method: string, path: string, body?: string, contentType?: string): Promise<unknown> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        accept: 'application/json',
        ...(contentType ? { 'content-type': contentType } : {}),
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (!response.ok) {
      const status = parsed as KubernetesStatus | undefined;
      const reason = typeof status === 'object' && status?.message ? status.message : text.slice(0, 300);
      throw new GatewayRequestError(response.status, `${method} ${path.split('?')[0]} -> ${response.status}: ${reason}`);
    }
    return parsed;
  }
}

/** Where a manifest of `apiVersion` and `kind` is served: under its own apiVersion if served there, else wherever the kind is. */
export function servedKindOf(kinds: Map<string, ServedKind>, manifest: { apiVersion?: string; kind: string }): ServedKind | undefined {
  return (manifest.apiVersion ? kinds.get(`${manifest.apiVersion}|${manifest.kind}`) : undefined) ?? kinds.get(manifest.kind);
}
