import { API_GROUP_VERSION, type Resource } from '@kastra/api';
import type { ExampleManifest } from './example-manifests';

/** A served kind as discovery lists it. */
export interface ServedKind {
  plural: string;
  namespaced: boolean;
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

  /** Kinds served under mastra.ai/v1, by kind name (subresources left out). */
  async discover(): Promise<Map<string, ServedKind>> {
    const list = (await this.request('GET', `/apis/${API_GROUP_VERSION}`)) as ApiResourceList;
    const kinds = new Map<string, ServedKind>();
    for (const resource of list.resources ?? []) {
      if (resource.name.includes('/')) continue;
      kinds.set(resource.kind, { plural: resource.name, namespaced: resource.namespaced !== false });
    }
    return kinds;
  }

  /** Server-side apply of one document (creates or updates; our field manager wins conflicts). */
  async apply(manifest: ExampleManifest, kind: ServedKind): Promise<Resource> {
    const query = '?fieldManager=kastra&force=true';
    return (await this.request('PATCH', `${this.objectPath(manifest, kind)}${query}`, manifest.yaml, 'application/apply-patch+yaml')) as Resource;
  }

  async get(manifest: ExampleManifest, kind: ServedKind): Promise<Resource> {
    return (await this.request('GET', this.objectPath(manifest, kind))) as Resource;
  }

  private objectPath(manifest: ExampleManifest, kind: ServedKind): string {
    const scope = kind.namespaced ? `/namespaces/${encodeURIComponent(manifest.namespace)}` : '';
    return `/apis/${API_GROUP_VERSION}${scope}/${kind.plural}/${encodeURIComponent(manifest.name)}`;
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
