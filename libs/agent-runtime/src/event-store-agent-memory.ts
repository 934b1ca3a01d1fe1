import { NO_CONCURRENCY_CHECK, type EventStore } from '@kastra/event-store';
import { MESSAGES_APPENDED, memoryStreamId, type AgentMemory, type MemoryThread } from './agent-memory';
import type { ChatMessage } from './chat-types';

/** Memory as events: one `MessagesAppended` event per exchange in `memory:<ns>:<agent>:<thread>`. */
export class EventStoreAgentMemory implements AgentMemory {
  constructor(private readonly events: EventStore) {}

  async read(thread: MemoryThread, lastMessages: number): Promise<ChatMessage[]> {
    const recorded = await this.events.readStream(memoryStreamId(thread));
    const messages = recorded
      .filter((event) => event.type === MESSAGES_APPENDED)
      .flatMap((event) => (event.data as { messages?: ChatMessage[] }).messages ?? []);
    return lastMessages > 0 ? messages.slice(-lastMessages) : [];
  }

  async append(thread: MemoryThread, messages: ChatMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.events.append(memoryStreamId(thread), [{ type: MESSAGES_APPENDED, data: { messages } }], {
      expectedVersion: NO_CONCURRENCY_CHECK,
    });
  }
}
