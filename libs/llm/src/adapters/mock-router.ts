import type { ChatMessage, ChatRequest, JsonSchema } from '../chat-types';

/** The router's answer: the next member (or `done`), what it should do, why, and the final answer. */
export interface MockRouteDecision {
  next: string;
  input: string;
  reason: string;
  answer: string;
}

/** Longest slice of the task quoted in a member's instruction (a decision stays short). */
const MAX_TASK_CHARS = 200;
/** Longest last result quoted as the final answer. */
const MAX_ANSWER_CHARS = 2000;

/**
 * The member names of a routing request, or undefined when the request is not one: either
 * `response_format` is the `route` JSON schema, or (providers without structured output) a
 * system message embeds a schema whose `next` property is an enum containing `done`. The names
 * are the `next` enum without `done`, in the order given.
 */
export function routeMembersOf(request: ChatRequest): string[] | undefined {
  const format = request.response_format;
  if (format?.type === 'json_schema') {
    if (format.json_schema.name !== 'route') return undefined;
    const next = asSchema(asSchema(format.json_schema.schema?.properties)?.next);
    return next ? memberNames(enumOf(next)) : undefined;
  }
  for (const message of request.messages) {
    if (message.role !== 'system' && message.role !== 'developer') continue;
    const names = enumOfNextInText(textOf(message.content));
    if (names?.includes('done')) return memberNames(names);
  }
  return undefined;
}

/**
 * A deterministic routing decision: each member once, in the order of the schema's enum, then
 * `done`. Only decisions since the conversation's last `done` count (a later run of the same
 * thread starts a new round); the task is the first user message of that round; the final answer
 * is the last member result (the last user or tool message after a decision).
 */
export function mockRouteDecision(members: string[], messages: ChatMessage[]): MockRouteDecision {
  const round = currentRound(messages);
  const chosen = new Set<string>();
  let lastResult: string | undefined;
  let decided = false;
  for (const message of round) {
    const decision = message.role === 'assistant' ? parseDecision(textOf(message.content)) : undefined;
    if (decision) {
      chosen.add(decision.next);
      decided = true;
    } else if (decided && (message.role === 'user' || message.role === 'tool')) {
      const text = textOf(message.content).trim();
      if (text) lastResult = text;
    }
  }
  const task = textOf(round.find((m) => m.role === 'user')?.content).trim();
  const next = members.find((member) => !chosen.has(member));
  if (next !== undefined) {
    const quoted = task.length > MAX_TASK_CHARS ? `${task.slice(0, MAX_TASK_CHARS)}…` : task;
    return { next, input: `As ${next}, work on this task: ${quoted}`, reason: 'next member in order', answer: '' };
  }
  const answer = lastResult !== undefined ? lastResult.slice(0, MAX_ANSWER_CHARS) : `every member answered: ${members.join(', ')}`;
  return { next: 'done', input: '', reason: 'every member has answered', answer };
}

/** The messages after the last `done` decision: the current run's round. */
function currentRound(messages: ChatMessage[]): ChatMessage[] {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message.role === 'assistant' && parseDecision(textOf(message.content))?.next === 'done') return messages.slice(i + 1);
  }
  return messages;
}

function parseDecision(text: string): { next: string } | undefined {
  if (!text.trim().startsWith('{')) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    const next = (value as { next?: unknown } | null)?.next;
    return typeof next === 'string' ? { next } : undefined;
  } catch {
    return undefined;
  }
}

/** `enum`, or the `const`/`enum` values of `anyOf`/`oneOf` branches. */
function enumOf(schema: JsonSchema): unknown[] {
  if (Array.isArray(schema.enum)) return schema.enum;
  const branches = [schema.anyOf, schema.oneOf].find(Array.isArray) as unknown[] | undefined;
  return (branches ?? []).flatMap((branch) => {
    const b = asSchema(branch);
    if (!b) return [];
    return 'const' in b ? [b.const] : Array.isArray(b.enum) ? b.enum : [];
  });
}

function memberNames(values: unknown[]): string[] {
  return values.filter((v): v is string => typeof v === 'string' && v !== 'done');
}

/** The `enum` of a `"next": {... "enum": [...]}` found in text (a schema pasted into a prompt). */
function enumOfNextInText(text: string): string[] | undefined {
  const match = /"next"\s*:\s*\{[^{}]*?"enum"\s*:\s*(\[[^\]]*\])/.exec(text);
  if (!match) return undefined;
  try {
    const values = JSON.parse(match[1]) as unknown;
    return Array.isArray(values) ? values.filter((v): v is string => typeof v === 'string') : undefined;
  } catch {
    return undefined;
  }
}

function asSchema(value: unknown): JsonSchema | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as JsonSchema) : undefined;
}

function textOf(content: ChatMessage['content'] | undefined): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => (part.type === 'text' ? part.text : '')).join(' ');
}
