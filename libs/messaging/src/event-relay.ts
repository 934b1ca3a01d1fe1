import { Client, type Pool } from 'pg';
import { jetstream } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { EventNotifier, heldBackRetryMs, positionOf, readCheckpoint, readLogBatch, storeCheckpoint, type LogPosition, type RecordedEvent } from '@kastra/event-store';
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
 * it, consumers are idempotent). The position moves only after the whole batch is acked, and
 * publishes of a batch are pipelined. One process per database and prefix relays (a session
 * advisory lock); the others stand by and take over when it dies.
 *
 * The leader keeps its position in memory and writes the checkpoint at most every
 * CHECKPOINT_EVERY_MS and when it stops: reading it before and writing it after every batch cost
 * two round trips a batch, and each write is a transaction that holds back every log tailer of the
 * server while it runs. A leader that dies leaves a checkpoint up to CHECKPOINT_EVERY_MS old; its
 * successor re-publishes those events, which the duplicate window drops (msgID = event id), and
 * consumers are idempotent past it.
 *
 * Woken by appends, it reads again within a few ms when committed events are held back by an
 * older transaction still in flight (readLogBatch's heldBack) rather than on its next poll.
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

/** Longest a leader's published position stays unwritten. */
const CHECKPOINT_EVERY_MS = 100;
/** Longest the leader waits without a wake before it reads the log anyway. */
const POLL_MS = 500;

class EventRelayLoop implements EventRelay {
  isLeader = false;
  /** The leader's position: published and acked up to here (undefined: read the checkpoint). */
  private position?: LogPosition;
  /** The position last written to kastra_checkpoints, and when. */
  private stored?: LogPosition;
  private storedAt = 0;
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
      let heldBackAttempt = 0;
      while (!this.stopped) {
        try {
          if (!this.isLeader) await this.tryToLead();
          if (this.isLeader) {
            const mark = this.notifier.mark();
            const { published, heldBack } = await this.relayBatch();
            await this.storeCheckpointIfDue(false);
            if (published >= (this.options.batchSize ?? 500)) continue;
            if (heldBack) {
              await this.notifier.wait(this.abort.signal, heldBackRetryMs(heldBackAttempt++), undefined, mark);
            } else {
              heldBackAttempt = 0;
              const untilCheckpoint = this.unstored() ? Math.max(1, this.storedAt + CHECKPOINT_EVERY_MS - Date.now()) : POLL_MS;
              await this.notifier.wait(this.abort.signal, Math.min(POLL_MS, untilCheckpoint), undefined, mark);
            }
          } else {
            await this.notifier.wait(this.abort.signal, 2000);
          }
        } catch (error) {
          if (this.stopped) break;
          this.options.logger?.warn({ err: String(error) }, 'event relay: retrying after error');
          await this.forgetPosition();
          await sleep(500, this.abort.signal);
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.loop;
    await this.forgetPosition();
    await this.notifier.stop();
    await this.lockClient?.end().catch(() => undefined);
  }

  private unstored(): boolean {
    return this.position !== undefined && this.position !== this.stored;
  }

  /** Writes the position if it moved and the last write is CHECKPOINT_EVERY_MS old (or `now`). */
  private async storeCheckpointIfDue(now: boolean): Promise<void> {
    if (!this.position || !this.unstored()) return;
    if (!now && Date.now() - this.storedAt < CHECKPOINT_EVERY_MS) return;
    const position = this.position;
    await storeCheckpoint(this.options.pool, this.checkpointName, position);
    this.stored = position;
    this.storedAt = Date.now();
  }

  /**
   * Writes what was published (always safe: the checkpoint only moves forward, and everything up
   * to the position is acked) and reads the checkpoint again on the next batch: after an error,
   * when leading again (another leader may have moved it), on stop.
   */
  private async forgetPosition(): Promise<void> {
    await this.storeCheckpointIfDue(true).catch(() => undefined);
    this.position = undefined;
    this.stored = undefined;
  }

  private async tryToLead(): Promise<void> {
    if (!this.lockClient) {
      const client = new Client({ connectionString: this.databaseUrl });
      client.on('error', () => {
        // Losing the connection loses the lock: stop publishing until it is taken again (and
        // then start from the checkpoint: another leader may have moved it meanwhile).
        this.isLeader = false;
        this.lockClient = undefined;
        this.position = undefined;
      });
      await client.connect();
      this.lockClient = client;
    }
    const { rows } = await this.lockClient.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [
      this.checkpointName,
    ]);
    this.isLeader = rows[0].locked;
    if (this.isLeader) {
      this.position = undefined;
      this.options.logger?.info({ prefix: this.names.prefix }, 'event relay: leading');
    }
  }

  private async relayBatch(): Promise<{ published: number; heldBack: boolean }> {
    const { pool } = this.options;
    if (!this.position) this.position = this.stored = await readCheckpoint(pool, this.checkpointName);
    const { events: batch, heldBack } = await readLogBatch(pool, { after: this.position, limit: this.options.batchSize ?? 500 });
    if (batch.length === 0) return { published: 0, heldBack };
    const js = jetstream(this.options.nc);
    const maxPayload = (this.options.nc.info?.max_payload ?? 1024 * 1024) - 16 * 1024;
    await Promise.all(
      batch.map((event) => {
        const { payload, headers } = messageOf(event, maxPayload);
        return js.publish(this.names.eventSubject(event.streamId), payload, { msgID: event.eventId, headers });
      }),
    );
    if (!this.isLeader) throw new Error('lost leadership while publishing');
    this.position = positionOf(batch[batch.length - 1]);
    return { published: batch.length, heldBack };
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
