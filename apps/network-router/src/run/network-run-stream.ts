import type { RecordedEvent } from '@kastra/event-store';
import type { TimedNetworkRunEvent } from '@kastra/network-runtime';
import { runStreamIdOf } from '@kastra/run-engine';

/** `networkrun:<namespace>:<name>:<uid>`: the stream that is the run. */
export function networkRunStreamId(namespace: string, name: string, uid: string): string {
  return runStreamIdOf('NetworkRun', namespace, name, uid);
}

export function toNetworkRunEvent(event: RecordedEvent): TimedNetworkRunEvent {
  return { type: event.type, data: event.data, at: event.createdAt } as unknown as TimedNetworkRunEvent;
}
