import { BadRequestError } from '@kastra/api';
import type { AgentInput, ChatMessage } from '@kastra/agent-runtime';

const ROLES = new Set(['system', 'user', 'assistant']);

/** Checks a generate body `{ messages?, prompt?, threadId?, output? }`; BadRequestError names the field. */
export function parseGenerateRequest(body: Record<string, unknown>): AgentInput {
  const input: AgentInput = {};
  const { messages, prompt, threadId, output } = body;
  for (const field of Object.keys(body)) {
    if (!['messages', 'prompt', 'threadId', 'output'].includes(field)) throw new BadRequestError(`unknown field "${field}": expected messages, prompt, threadId or output`);
  }
  if (prompt !== undefined) {
    if (typeof prompt !== 'string' || prompt === '') throw new BadRequestError('prompt must be a non-empty string');
    input.prompt = prompt;
  }
  if (messages !== undefined) {
    if (!Array.isArray(messages)) throw new BadRequestError('messages must be an array of {role, content}');
    input.messages = messages.map((message, i): ChatMessage => {
      const { role, content } = (message ?? {}) as { role?: unknown; content?: unknown };
      if (typeof role !== 'string' || !ROLES.has(role)) throw new BadRequestError(`messages[${i}].role must be system, user or assistant`);
      if (typeof content !== 'string') throw new BadRequestError(`messages[${i}].content must be a string`);
      return { role, content } as ChatMessage;
    });
  }
  if (!input.prompt && !input.messages?.length) throw new BadRequestError('give prompt or messages');
  if (threadId !== undefined) {
    if (typeof threadId !== 'string' || !/^[A-Za-z0-9._-]{1,200}$/.test(threadId)) throw new BadRequestError('threadId must be 1-200 characters of letters, digits, ".", "_" or "-"');
    input.threadId = threadId;
  }
  if (output !== undefined) {
    const schema = (output as { schema?: unknown } | null)?.schema;
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw new BadRequestError('output.schema must be a JSON Schema object');
    input.output = { schema: schema as Record<string, unknown> };
  }
  return input;
}
