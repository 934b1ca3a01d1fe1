import type { NatsConnection } from '@nats-io/transport-node';
import type { ResourceKey } from '@kastra/api';
import { publishRunWork, workflowRunWorkQueue } from '@kastra/run-engine';

export { workflowRunWorkQueue } from '@kastra/run-engine';

export function publishWork(nc: NatsConnection, prefix: string, key: ResourceKey): Promise<void> {
  return publishRunWork(nc, workflowRunWorkQueue(prefix), key);
}
