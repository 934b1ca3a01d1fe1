import { Client, type Pool } from 'pg';
import { jetstream } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { EventNotifier, positionOf, readAllEvents, readCheckpoint, storeCheckpoint, type RecordedEvent } from '@kastra/event-store';
import { ensureEventStream } from './ensure-event-stream';
import { natsNames, type NatsNames } from './nats-names';

export interface EventRelayOptions {
  pool: Pool;
  /** For the relay's own lock and LISTEN connections. @default the pool's connection string */
  databaseUrl?: string;
  nc: NatsConnection;
  prefix: string;
  /** @default 500 */
  batchSize?: number;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export interface EventRelay {
  /** True while this process is the one relaying. */
  readonly isLeader: boolean;
  stop(): Promise<void>;
}

/**
 * Publishes every committed event of the log to JetStream, in commit-safe order, with the event id
 * as the message id (a re-publish after a crash is dropped by the stream's duplicate window; past
 * it, consumers are idempotent). The checkpoint moves only after the whole batch is acked, and
 * publishes of a batch are pipelined. One process per database and prefix relays (a session
 * advisory lock); the others stand by and take over when it dies.
 */
export async function startEventRelay(options: EventRelayOptions): Promise<EventRelay> {
  const names = natsNames(options.prefix);
  await ensureEventStream(options.nc, names);
  const databaseUrl = options.databaseUrl ?? (options.pool.options as { connectionString?: string }).connectionString;
  if (!databaseUrl) throw new Error('startEventRelay needs databaseUrl');
  const relay = new EventRelayLoop(options, names, databaseUrl);
  relay.run();
  return relay;
}

class EventRelayLoop implements EventRelay {
  isLeader = false;
  private stopped = false;
  private lockClient?: Client;
  private readonly notifier: EventNotifier;
  private readonly abort = new AbortController();
  private loop?: Promise<void>;
  private readonly checkpointName: string;

  constructor(
    private readonly options: EventRelayOptions,
    private readonly names: NatsNames,
    private readonly databaseUrl: string,
  ) {
    this.notifier = new EventNotifier(databaseUrl);
    this.checkpointName = `relay:${names.prefix}`;
  }

  run(): void {
    this.loop = (async () => {
      await this.notifier.start().catch(() => undefined);
      while (!this.stopped) {
        try {
          if (!this.isLeader) await this.tryToLead();
          if (this.isLeader) {
            const published = await this.relayBatch();
            if (published < (this.options.batchSize ?? 500)) await this.notifier.wait(this.abort.signal, 500);
          } else {
            await this.notifier.wait(this.abort.signal, 2000);
          }
        } catch (error) {
          if (this.stopped) break;
          this.options.logger?.warn({ err: String(error) }, 'event relay: retrying after error');
          await sleep(500, this.abort.signal);
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.loop;
    await this.notifier.stop();
    await this.lockClient?.end().catch(() => undefined);
  }

  private async tryToLead(): Promise<void> {
    if (!this.lockClient) {
      const client = new Client({ connectionString: this.databaseUrl });
      client.on('error', () => {
        // Losing the connection loses the lock: stop publishing until it is taken again.
        this.isLeader = false;
        this.lockClient = undefined;
      });
      await client.connect();
      this.lockClient = client;
    }
    const { rows } = await this.lockClient.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [
      this.checkpointName,
    ]);
    this.isLeader = rows[0].locked;
    if (this.isLeader) this.options.logger?.info({ prefix: this.names.prefix }, 'event relay: leading');
  }

  private async relayBatch(): Promise<number> {
    const { pool } = this.options;
    const after = await readCheckpoint(pool, this.checkpointName);
    const batch = await readAllEvents(pool, { after, limit: this.options.batchSize ?? 500 });
    if (batch.length === 0) return 0;
    const js = jetstream(this.options.nc);
    const maxPayload = (this.options.nc.info?.max_payload ?? 1024 * 1024) - 16 * 1024;
    await Promise.all(
      batch.map((event) => {
        const { payload, headers } = messageOf(event, maxPayload);
        return js.publish(this.names.eventSubject(event.streamId), payload, { msgID: event.eventId, headers });
      }),
    );
    if (!this.isLeader) throw new Error('lost leadership while publishing');
    await storeCheckpoint(pool, this.checkpointName, positionOf(batch[batch.length - 1]));
    return batch.length;
  }
}

/** Header set when an event was too large for NATS: its `data` is left out; read it from the log. */
export const DATA_OMITTED_HEADER = 'Kastra-Data-Omitted';

/**
 * The message of one event. An event larger than the server's max_payload would fail to publish
 * forever and stall the relay, so it goes without its `data` (consumers read it from the log).
 */
function messageOf(event: RecordedEvent, maxPayload: number) {
  const h = headersOf(event);
  const payload = encodeEvent(event);
  if (payload.byteLength <= maxPayload) return { payload, headers: h };
  h.set(DATA_OMITTED_HEADER, 'true');
  return { payload: encodeEvent({ ...event, data: {} }), headers: h };
}

function headersOf(event: RecordedEvent) {
  const h = headers();
  h.set('Kastra-Event-Type', event.type);
  h.set('Kastra-Global-Position', event.globalPosition);
  if (event.metadata.traceparent) h.set('traceparent', String(event.metadata.traceparent));
  if (event.metadata.tracestate) h.set('tracestate', String(event.metadata.tracestate));
  return h;
}

export function encodeEvent(event: RecordedEvent): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(event));
}

export function decodeEvent(data: Uint8Array): RecordedEvent {
  return JSON.parse(new TextDecoder().decode(data)) as RecordedEvent;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
