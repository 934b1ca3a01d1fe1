import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ResourceKey } from '@kastra/api';

/** Names of the run work queue of one installation. */
export function workQueueNames(prefix: string): { stream: string; subject: string; allSubjects: string; cancelSubject: string } {
  const upper = prefix.toUpperCase().replace(/-/g, '_');
  return {
    stream: `${upper}_WORK`,
    subject: `${prefix}.work.workflowrun`,
    allSubjects: `${prefix}.work.>`,
    cancelSubject: `${prefix}.workflowrun.cancel`,
  };
}

export const WORK_CONSUMER = 'workflow-executor';

/** Creates the WorkQueue stream and the shared consumer if missing (safe from several processes). */
export async function ensureWorkQueue(nc: NatsConnection, prefix: string, ackWaitMs: number): Promise<void> {
  const names = workQueueNames(prefix);
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.info(names.stream);
  } catch {
    try {
      await jsm.streams.add({ name: names.stream, subjects: [names.allSubjects], retention: RetentionPolicy.Workqueue, storage: StorageType.File });
    } catch (error) {
      if (!/already in use|exists/i.test(String(error))) throw error;
    }
  }
  const config = {
    durable_name: WORK_CONSUMER,
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

export async function publishWork(nc: NatsConnection, prefix: string, key: ResourceKey): Promise<void> {
  await jetstream(nc).publish(workQueueNames(prefix).subject, JSON.stringify({ namespace: key.namespace, name: key.name }));
}

export function decodeWork(message: JsMsg): ResourceKey | undefined {
  try {
    const body = JSON.parse(new TextDecoder().decode(message.data)) as { namespace?: unknown; name?: unknown };
    if (typeof body.namespace !== 'string' || typeof body.name !== 'string') return undefined;
    return { kind: 'WorkflowRun', namespace: body.namespace, name: body.name };
  } catch {
    return undefined;
  }
}

export async function consumeWork(nc: NatsConnection, prefix: string, maxMessages: number): Promise<ConsumerMessages> {
  const consumer = await jetstream(nc).consumers.get(workQueueNames(prefix).stream, WORK_CONSUMER);
  return consumer.consume({ max_messages: maxMessages });
}
