import { memoryStreamId, type AgentMemory, type ChatMessage, type MemoryThread } from '@kastra/agent-runtime';

/** Agent memory of an embedded runtime: each thread's messages in this process, gone when it exits. */
export class InProcessAgentMemory implements AgentMemory {
  private readonly threads = new Map<string, ChatMessage[]>();

  async read(thread: MemoryThread, lastMessages: number): Promise<ChatMessage[]> {
    return (this.threads.get(memoryStreamId(thread)) ?? []).slice(-lastMessages);
  }

  async append(thread: MemoryThread, messages: ChatMessage[]): Promise<void> {
    const id = memoryStreamId(thread);
    this.threads.set(id, [...(this.threads.get(id) ?? []), ...messages]);
  }
}
