import type { Resource } from '@kastra/api';
import { ApiRequestError, type ApiWatchEvent } from './api-resource-client';
import type { ControllerLogger } from './controller-logger';

/** What an informer lists and watches (ApiResourceClient, or a fake in tests). */
export interface InformerSource {
  list(): Promise<{ items: Resource[]; resourceVersion: string }>;
  watch(resourceVersion: string, onEvent: (event: ApiWatchEvent) => void, signal: AbortSignal): Promise<void>;
}

export interface InformerOptions {
  /** Called with an object's key whenever it may have changed (added, modified, deleted, resync). */
  /** `resync` when the key is handed over again by the periodic resync, not because it changed. */
  onChange: (key: string, cause?: 'resync') => void;
  /** Every key is handed to onChange again this often (level-based safety net). @default 5 min; 0 = never */
  resyncIntervalMs?: number;
  /** Wait before listing again after a failed list or watch. @default 1 s */
  retryDelayMs?: number;
  logger?: ControllerLogger;
}

/** `namespace/name`, or `name` for cluster-scoped objects (client-go's MetaNamespaceKey). */
export function objectKey(object: Pick<Resource, 'metadata'>): string {
  const namespace = object.metadata.namespace;
  return namespace ? `${namespace}/${object.metadata.name}` : object.metadata.name;
}

export function splitObjectKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/**
 * client-go's informer over the REST API: lists the kind, keeps the objects in a cache, watches
 * from the list's resourceVersion and applies each event; a watch the server ends is resumed
 * from the last version seen, one whose version expired (410) or that fails is replaced by a
 * new list (keys gone meanwhile are reported as changed, so their deletion is noticed).
 */
export class Informer {
  private readonly cache = new Map<string, Resource>();
  private readonly abort = new AbortController();
  private loop?: Promise<void>;
  private resyncTimer?: NodeJS.Timeout;

  constructor(
    private readonly source: InformerSource,
    private readonly options: InformerOptions,
  ) {}

  /** Resolves once the first list is in the cache and handed out (the informer has synced). */
  async start(): Promise<void> {
    let resourceVersion = await this.relist();
    this.loop = (async () => {
      while (!this.abort.signal.aborted) {
        const startedAt = Date.now();
        try {
          await this.source.watch(resourceVersion, (event) => (resourceVersion = this.apply(event) ?? resourceVersion), this.abort.signal);
          // The server closed the stream: resume from the last version seen (not in a tight loop).
          if (Date.now() - startedAt < 1000) await delay(this.options.retryDelayMs ?? 1000, this.abort.signal);
          continue;
        } catch (error) {
          if (this.abort.signal.aborted) return;
          const expired = error instanceof ApiRequestError && error.status === 410;
          if (!expired) this.options.logger?.warn({ err: errorText(error) }, 'watch failed; listing again');
        }
        resourceVersion = await this.relistUntilDone();
      }
    })();
    const interval = this.options.resyncIntervalMs ?? 5 * 60_000;
    if (interval > 0) {
      this.resyncTimer = setInterval(() => this.cache.forEach((_, key) => this.options.onChange(key, 'resync')), interval);
      this.resyncTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    await this.loop;
  }

  /** The object as last seen, undefined once deleted. */
  get(key: string): Resource | undefined {
    return this.cache.get(key);
  }

  list(): Resource[] {
    return [...this.cache.values()];
  }

  private apply(event: ApiWatchEvent): string | undefined {
    const version = event.object.metadata?.resourceVersion;
    if (event.type === 'BOOKMARK') return version;
    const key = objectKey(event.object);
    if (event.type === 'DELETED') this.cache.delete(key);
    else this.cache.set(key, event.object);
    this.options.onChange(key);
    return version;
  }

  private async relist(): Promise<string> {
    const { items, resourceVersion } = await this.source.list();
    const seen = new Set<string>();
    for (const item of items) {
      const key = objectKey(item);
      seen.add(key);
      this.cache.set(key, item);
      this.options.onChange(key);
    }
    for (const key of [...this.cache.keys()]) {
      if (seen.has(key)) continue;
      this.cache.delete(key);
      this.options.onChange(key);
    }
    return resourceVersion;
  }

  private async relistUntilDone(): Promise<string> {
    for (;;) {
      try {
        return await this.relist();
      } catch (error) {
        if (this.abort.signal.aborted) return '0';
        this.options.logger?.warn({ err: errorText(error) }, 'list failed; retrying');
        await delay(this.options.retryDelayMs ?? 1000, this.abort.signal);
      }
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
