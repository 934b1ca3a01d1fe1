import { type Client, type ClientReadableStream, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import type { Resource } from '@kastra/api';
import { resourceServiceClientConstructor } from '../resource-service-definition';
import type { ListResponse, WatchEventMessage } from '../resource-rpc-messages';

type UnaryMethod = (request: object, metadata: Metadata, callback: (error: ServiceError | null, response: unknown) => void) => void;

/** A real grpc-js client of kastra.v1.ResourceService, promisified, for tests. */
export class ResourceServiceTestClient {
  private readonly client: Client;

  /** Over TLS trusting `tls.ca` (PEM) when given, else plaintext. */
  constructor(address: string, private readonly token?: string, tls?: { ca: string }) {
    const Constructor = resourceServiceClientConstructor();
    this.client = new Constructor(address, tls ? credentials.createSsl(Buffer.from(tls.ca)) : credentials.createInsecure());
  }

  /** The same client with another bearer token (or none). */
  as(token: string | undefined): ResourceServiceTestClient {
    const other = Object.create(ResourceServiceTestClient.prototype) as ResourceServiceTestClient;
    Object.assign(other, { client: this.client, token });
    return other;
  }

  async apply(manifest: string, options: { field_manager?: string; dry_run?: boolean } = {}): Promise<Resource> {
    return parseObject(await this.unary('Apply', { manifest, ...options }));
  }

  async get(kind: string, name: string, namespace = ''): Promise<Resource> {
    return parseObject(await this.unary('Get', { kind, namespace, name }));
  }

  /** `continue` '' on the last page; `remainingItemCount` undefined when the server left it out. */
  async list(request: {
    kind: string;
    namespace?: string;
    label_selector?: string;
    field_selector?: string;
    limit?: number;
    continue?: string;
  }): Promise<{ items: Resource[]; resourceVersion: string; continue: string; remainingItemCount?: number }> {
    const response = (await this.unary('List', request)) as ListResponse;
    return {
      items: response.items_json.map((item) => JSON.parse(item) as Resource),
      resourceVersion: response.resource_version,
      continue: response.continue,
      ...(response.remaining_item_count !== undefined && response.remaining_item_count !== null ? { remainingItemCount: Number(response.remaining_item_count) } : {}),
    };
  }

  async delete(kind: string, name: string, options: { namespace?: string; resource_version?: string } = {}): Promise<Resource> {
    return parseObject(await this.unary('Delete', { kind, name, ...options }));
  }

  watch(request: { kind: string; namespace?: string; label_selector?: string; resource_version?: string }): ClientReadableStream<WatchEventMessage> {
    const method = (this.client as unknown as Record<string, (request: object, metadata: Metadata) => ClientReadableStream<WatchEventMessage>>).Watch;
    return method.call(this.client, request, this.metadata());
  }

  close(): void {
    this.client.close();
  }

  private metadata(): Metadata {
    const metadata = new Metadata();
    if (this.token) metadata.set('authorization', `Bearer ${this.token}`);
    return metadata;
  }

  private unary(name: string, request: object): Promise<unknown> {
    const method = (this.client as unknown as Record<string, UnaryMethod>)[name];
    return new Promise((resolve, reject) => {
      method.call(this.client, request, this.metadata(), (error, response) => (error ? reject(error) : resolve(response)));
    });
  }
}

function parseObject(response: unknown): Resource {
  return JSON.parse((response as { object_json: string }).object_json) as Resource;
}

/** Collects every event and the end status of a watch stream from the moment it is opened. */
export class WatchRecorder {
  readonly events: { type: string; object: Resource }[] = [];
  error: ServiceError | undefined;
  ended = false;
  /** Resolves when the server's headers arrive: the watch's starting point is fixed. */
  readonly started: Promise<void>;

  constructor(readonly stream: ClientReadableStream<WatchEventMessage>) {
    this.started = new Promise((resolve) => stream.once('metadata', () => resolve()));
    stream.on('data', (message: WatchEventMessage) => {
      this.events.push({ type: message.type, object: JSON.parse(message.object_json) as Resource });
    });
    stream.on('error', (error: ServiceError) => (this.error = error));
    stream.on('end', () => (this.ended = true));
  }

  /** `type name` of each event, e.g. `ADDED my-llm`. */
  summary(): string[] {
    return this.events.map((event) => `${event.type} ${event.object.metadata.name}`);
  }
}
