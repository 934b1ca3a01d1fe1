import type { Resource, ResourceStatus } from '@kastra/api';

/** Where a kind is served: `/apis/<group>/<version>/[namespaces/NS/]<plural>` (`/api/v1` for the core group). */
export interface KindLocation {
  group: string;
  version: string;
  plural: string;
  /** @default true */
  namespaced?: boolean;
}

export interface ApiConnection {
  /** The gateway, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** Bearer token (read on every request, so a rotated token file can be re-read). */
  token?: string | (() => string);
  /** Per request (watches excepted). @default 10 s */
  timeoutMs?: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface ApiWatchEvent {
  type: WatchEventType;
  object: Resource;
}

/** An answer of the API other than 2xx, with the Kubernetes Status's reason and message. */
export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The calls a controller makes on one kind through the Kubernetes-compatible REST API: list,
 * watch, get and status writes. Plain `fetch`, no dependency: a plugin can use it anywhere.
 */
export class ApiResourceClient {
  constructor(
    private readonly connection: ApiConnection,
    readonly kind: KindLocation,
  ) {}

  /** Every object of the kind (across namespaces) and the list's resourceVersion to watch from. */
  async list(): Promise<{ items: Resource[]; resourceVersion: string }> {
    const list = (await this.request('GET', this.collectionPath())) as { items?: Resource[]; metadata?: { resourceVersion?: string } };
    return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '0' };
  }

  /** The object, or undefined when it does not exist. */
  async get(namespace: string, name: string): Promise<Resource | undefined> {
    try {
      return (await this.request('GET', this.objectPath(namespace, name))) as Resource;
    } catch (error) {
      if (error instanceof ApiRequestError && error.status === 404) return undefined;
      throw error;
    }
  }

  /**
   * Replaces the status (PUT on the status subresource) when `resourceVersion` is given, so a
   * concurrent write is a 409; merge-patches it otherwise.
   */
  async writeStatus(object: Resource, status: ResourceStatus): Promise<Resource> {
    const path = `${this.objectPath(object.metadata.namespace ?? '', object.metadata.name)}/status`;
    if (object.metadata.resourceVersion) {
      const body = { apiVersion: object.apiVersion, kind: object.kind, metadata: { name: object.metadata.name, namespace: object.metadata.namespace, resourceVersion: object.metadata.resourceVersion }, status };
      return (await this.request('PUT', path, JSON.stringify(body), 'application/json')) as Resource;
    }
    return (await this.request('PATCH', path, JSON.stringify({ status }), 'application/merge-patch+json')) as Resource;
  }

  /**
   * Streams the changes after `resourceVersion` to `onEvent` until the server ends the stream or
   * `signal` aborts (then it resolves). An ERROR event (e.g. 410: the version is too old) throws
   * ApiRequestError: the caller lists again.
   */
  async watch(resourceVersion: string, onEvent: (event: ApiWatchEvent) => void, signal: AbortSignal): Promise<void> {
    const query = `?watch=true&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(resourceVersion)}`;
    let response: Response;
    try {
      response = await fetch(`${this.connection.baseUrl}${this.collectionPath()}${query}`, { headers: this.headers(), signal });
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    }
    if (!response.ok || !response.body) throw await errorOf(response);
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (!line) continue;
          const event = JSON.parse(line) as ApiWatchEvent;
          if (event.type === 'ERROR') {
            const status = event.object as unknown as { code?: number; reason?: string; message?: string };
            throw new ApiRequestError(status.code ?? 500, status.reason ?? 'Unknown', status.message ?? 'watch failed');
          }
          onEvent(event);
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    }
  }

  private collectionPath(): string {
    return `${groupPath(this.kind)}/${this.kind.plural}`;
  }

  private objectPath(namespace: string, name: string): string {
    const scope = this.kind.namespaced === false ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
    return `${groupPath(this.kind)}${scope}/${this.kind.plural}/${encodeURIComponent(name)}`;
  }

  private headers(contentType?: string): Record<string, string> {
    const token = typeof this.connection.token === 'function' ? this.connection.token() : this.connection.token;
    return { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...(contentType ? { 'content-type': contentType } : {}) };
  }

  private async request(method: string, path: string, body?: string, contentType?: string): Promise<unknown> {
    const response = await fetch(`${this.connection.baseUrl}${path}`, {
      method,
      headers: this.headers(contentType),
      body,
      signal: AbortSignal.timeout(this.connection.timeoutMs ?? 10_000),
    });
    if (!response.ok) throw await errorOf(response);
    return response.json();
  }
}

function groupPath(kind: KindLocation): string {
  return kind.group === '' ? `/api/${kind.version}` : `/apis/${kind.group}/${kind.version}`;
}

async function errorOf(response: Response): Promise<ApiRequestError> {
  const text = await response.text().catch(() => '');
  let status: { reason?: string; message?: string } = {};
  try {
    status = JSON.parse(text) as typeof status;
  } catch {
    // not a Status: keep the HTTP status alone
  }
  return new ApiRequestError(response.status, status.reason ?? response.statusText, status.message ?? `HTTP ${response.status}`);
}
