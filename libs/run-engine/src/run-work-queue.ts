import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ResourceKey } from '@kastra/api';

/**
 * Where the runs of one kind wait to be advanced: a JetStream WorkQueue stream of run keys shared
 * by every replica through one consumer, and a core NATS subject on which cancels are broadcast
 * (whichever replica advances the run aborts what it is doing).
 */
export interface RunWorkQueueNames {
  /** The run kind whose keys the queue carries, e.g. `WorkflowRun`. */
  kind: string;
  stream: string;
  /** The subjects the stream holds (must not overlap another stream's). */
  streamSubjects: string;
  /** Where work for one run is published. */
  subject: string;
  /** The consumer every replica shares. */
  consumer: string;
  /** Core NATS subject of cancel broadcasts: `{namespace, name}` of the run. */
  cancelSubject: string;
  /**
   * Core NATS subject on which the engine says `{namespace, name}` after an advance of the run
   * ended with its status written (done, waiting): whoever waits for the run (a synchronous
   * execute) reads it then instead of waiting for the log's watch. A hint only: it may be lost.
   */
  advancedSubject?: string;
}

/** Creates the WorkQueue stream and the shared consumer if missing (safe from several processes). */
export async function ensureRunWorkQueue(nc: NatsConnection, names: RunWorkQueueNames, ackWaitMs: number): Promise<void> {
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.info(names.stream);
  } catch {
    try {
      await jsm.streams.add({ name: names.stream, subjects: [names.streamSubjects], retention: RetentionPolicy.Workqueue, storage: StorageType.File });
    } catch (error) {
      if (!/already in use|exists/i.test(String(error))) throw error;
    }
  }
  const config = {
    durable_name: names.consumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: ackWaitMs * 1_000_000,
    max_deliver: -1,
    max_ack_pending: 10_000,
  };
  try {
    await jsm.consumers.add(names.stream, config);
  } catch (error) {
    if (!/already|exists/i.test(String(error))) throw error;
  }
}

/**
 * Puts a run on the queue. `msgID` makes JetStream drop a second publish with the same id within
 * the stream's duplicate window (2 min): a run's creation is enqueued by its creator right after
 * the commit and again by the resource-event path (the safety net), and only one message stays.
 */
export async function publishRunWork(nc: NatsConnection, names: RunWorkQueueNames, key: ResourceKey, msgID?: string): Promise<void> {
  await jetstream(nc).publish(names.subject, encodeRunKey(key), msgID ? { msgID } : undefined);
}

/** The deduplication id of the work message that a run's creation enqueues. */
export function runCreatedMessageId(uid: string): string {
  return `${uid}:created`;
}

/**
 * Enqueues a run just created (by its creator, right after the create committed), so that it does
 * not wait for the log relay and the resource-event consumer; their publish of the same creation
 * is then dropped as a duplicate. Best effort: when this fails the resource-event path enqueues it.
 */
export async function publishRunCreated(nc: NatsConnection, names: RunWorkQueueNames, run: { metadata: { name: string; namespace?: string; uid?: string } }): Promise<void> {
  const key = { kind: names.kind, namespace: run.metadata.namespace ?? 'default', name: run.metadata.name };
  await publishRunWork(nc, names, key, run.metadata.uid ? runCreatedMessageId(run.metadata.uid) : undefined);
}

/** Tells every replica to abort what it does for the run (core NATS: only live replicas care). */
export function broadcastRunCancel(nc: NatsConnection, names: RunWorkQueueNames, key: ResourceKey): void {
  nc.publish(names.cancelSubject, encodeRunKey(key));
}

/** Says that an advance of the run ended with its status written (see `advancedSubject`). */
export function broadcastRunAdvanced(nc: NatsConnection, names: RunWorkQueueNames, key: ResourceKey): void {
  if (names.advancedSubject) nc.publish(names.advancedSubject, encodeRunKey(key));
}

export function decodeRunWork(names: RunWorkQueueNames, message: JsMsg): ResourceKey | undefined {
  return decodeRunKey(names.kind, message.data);
}

/** `{namespace, name}` as JSON → the key of a run of `kind`; undefined when malformed. */
export function decodeRunKey(kind: string, data: Uint8Array): ResourceKey | undefined {
  try {
    const body = JSON.parse(new TextDecoder().decode(data)) as { namespace?: unknown; name?: unknown };
    if (typeof body.namespace !== 'string' || typeof body.name !== 'string') return undefined;
    return { kind, namespace: body.namespace, name: body.name };
  } catch {
    return undefined;
  }
}

export async function consumeRunWork(nc: NatsConnection, names: RunWorkQueueNames, maxMessages: number): Promise<ConsumerMessages> {
  const consumer = await jetstream(nc).consumers.get(names.stream, names.consumer);
  return consumer.consume({ max_messages: maxMessages });
}

function encodeRunKey(key: ResourceKey): string {
  return JSON.stringify({ namespace: key.namespace, name: key.name });
}
