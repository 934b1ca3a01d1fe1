import type { ChatMessage } from './chat-types';

/** Which conversation: one thread of one agent. */
export interface MemoryThread {
  namespace: string;
  agent: string;
  threadId: string;
}

/** Conversation history per thread. */
export interface AgentMemory {
  /** The last `lastMessages` messages of the thread, oldest first. */
  read(thread: MemoryThread, lastMessages: number): Promise<ChatMessage[]>;
  append(thread: MemoryThread, messages: ChatMessage[]): Promise<void>;
}

/** The event stream a thread's messages live in. */
export function memoryStreamId(thread: MemoryThread): string {
  return `memory:${thread.namespace}:${thread.agent}:${thread.threadId}`;
}

export const MESSAGES_APPENDED = 'MessagesAppended';
