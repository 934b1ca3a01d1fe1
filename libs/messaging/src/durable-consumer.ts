import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { RecordedEvent } from '@kastra/event-store';
import { extractTraceContext, withSpan } from '@kastra/telemetry';
import { SpanKind } from '@opentelemetry/api';
import { decodeEvent } from './event-relay';
import { ensureEventStream } from './ensure-event-stream';
import { natsNames } from './nats-names';

export interface DurableConsumerOptions {
  nc: NatsConnection;
  prefix: string;
  /** Every process with the same durable name shares one JetStream consumer (and its work). */
  durableName: string;
  /** e.g. `natsNames(prefix).categorySubject('resource')` */
  filterSubject: string;
  handle: (event: RecordedEvent, info: { deliveryCount: number }) => Promise<void>;
  /** After this many deliveries the event is given up (logged). @default 20 */
  maxDeliver?: number;
  /** Unacked messages are redelivered after this long (a crashed handler). @default 30000 */
  ackWaitMs?: number;
  /** Delay before redelivering after a failure. @default 200 ms × 2^(n-1), at most 60 s */
  backoffMs?: (deliveryCount: number) => number;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /**
   * Events handled at the same time. Events of one ordering key are always handled one after
   * the other, in the order they came. @default 1 (one at a time, in log order)
   */
  concurrency?: number;
  /** Which events must keep their order among themselves. @default the event's stream */
  orderingKey?: (event: RecordedEvent) => string;
}

const defaultBackoff = (deliveryCount: number) => Math.min(60_000, 200 * 2 ** (deliveryCount - 1));

/**
 * A JetStream durable pull consumer: each event is acked only after `handle` resolves, naked
 * with backoff when it throws, and redelivered after `ackWaitMs` when the process died holding it.
 * Handlers must be idempotent (see `handleOnce`): JetStream delivers at least once.
 */
export class DurableConsumer {
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  /** The last handling queued per ordering key (concurrent mode). */
  private readonly tails = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: DurableConsumerOptions) {}

  async start(): Promise<void> {
    const { nc, prefix, durableName, filterSubject } = this.options;
    const names = natsNames(prefix);
    await ensureEventStream(nc, names);
    const jsm = await jetstreamManager(nc);
    const config = {
      durable_name: durableName,
      filter_subject: filterSubject,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: (this.options.ackWaitMs ?? 30_000) * 1_000_000,
      max_deliver: this.options.maxDeliver ?? 20,
      max_ack_pending: 1000,
    };
    try {
      await jsm.consumers.add(names.eventsStream, config);
    } catch (error) {
      if (!/already|exists/i.test(String(error))) throw error;
      await jsm.consumers.update(names.eventsStream, durableName, { ack_wait: config.ack_wait, max_deliver: config.max_deliver });
    }
    const consumer = await jetstream(nc).consumers.get(names.eventsStream, durableName);
    this.messages = await consumer.consume({ max_messages: Math.max(64, 2 * (this.options.concurrency ?? 1)) });
    this.loop = this.consume(this.messages);
  }

  async stop(): Promise<void> {
    await this.messages?.close();
    await this.loop;
  }

  private async consume(messages: ConsumerMessages): Promise<void> {
    const limit = Math.max(1, this.options.concurrency ?? 1);
    for await (const message of messages) {
      const event = this.decode(message);
      if (!event) continue;
      if (limit === 1) {
        await this.handleMessage(message, event);
        continue;
      }
      // Concurrent, but in order per key: each handling waits for the one before it of its key.
      const key = (this.options.orderingKey ?? ((e: RecordedEvent) => e.streamId))(event);
      const previous = this.tails.get(key);
      const task: Promise<void> = (previous ?? Promise.resolve()).then(() => this.handleMessage(message, event));
      this.tails.set(key, task);
      this.inFlight.add(task);
      void task.finally(() => {
        this.inFlight.delete(task);
        if (this.tails.get(key) === task) this.tails.delete(key);
      });
      while (this.inFlight.size >= limit) await Promise.race(this.inFlight);
    }
    await Promise.allSettled([...this.inFlight]);
  }

  private decode(message: JsMsg): RecordedEvent | undefined {
    try {
      return decodeEvent(message.data);
    } catch {
      this.options.logger?.error({ subject: message.subject }, 'durable consumer: undecodable message dropped');
      message.term();
      return undefined;
    }
  }

  /** Never throws: a failed handler naks the message. */
  private async handleMessage(message: JsMsg, event: RecordedEvent): Promise<void> {
    const deliveryCount = message.info.deliveryCount;
    try {
      // A consumer span, child of the span that appended the event (its traceparent rode the message).
      await withSpan(
        `${this.options.durableName} process ${event.type}`,
        () => this.options.handle(event, { deliveryCount }),
        { 'messaging.system': 'nats', 'messaging.destination.name': message.subject, 'messaging.consumer.group.name': this.options.durableName, 'kastra.event.id': event.eventId, 'kastra.delivery_count': deliveryCount },
        extractTraceContext(message.headers),
        SpanKind.CONSUMER,
      );
      message.ack();
    } catch (error) {
      const delay = (this.options.backoffMs ?? defaultBackoff)(deliveryCount);
      this.options.logger?.warn(
        { consumer: this.options.durableName, eventId: event.eventId, type: event.type, deliveryCount, retryInMs: delay, err: String(error) },
        'durable consumer: handler failed, will retry',
      );
      message.nak(delay);
    }
  }
}
