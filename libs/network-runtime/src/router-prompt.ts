import type { ChatMessage, ChatRequest } from '@kastra/agent-runtime';
import { ROUTE_DONE, ROUTE_SCHEMA_NAME, routeSchema, type RouteDecision } from './route-decision';

/** A member as the router sees it. */
export interface NetworkMember {
  name: string;
  kind: 'agent' | 'workflow';
  /** When to pick it (the Network's description, else the Agent's instructions / Workflow's description). */
  description: string;
}

/** An earlier run of the same thread: its task and final answer. */
export interface ThreadTurn {
  message: string;
  answer: string;
}

/** A member turn of this run: the decision that asked for it and what the member answered. */
export interface MemberTurnResult {
  decision: RouteDecision;
  output: unknown;
}

/** How the provider is asked for a JSON-schema answer (libs/llm's provider table). */
export type StructuredOutputMode = 'json_schema' | 'prompt';

export interface RouterPromptInput {
  /** `namespace.name` of the Network. */
  network: string;
  instructions?: string;
  members: readonly NetworkMember[];
  /** The run's task. */
  task: string;
  history: readonly ThreadTurn[];
  turns: readonly MemberTurnResult[];
  /** The network state now (live keys). */
  state: Record<string, unknown>;
  structuredOutput: StructuredOutputMode;
}

/** Longest member result or state given to the router, in characters (the rest is cut, saying so). */
export const MAX_ROUTER_TEXT_CHARS = 20_000;

/**
 * The router's conversation: a system message (the Network's instructions, the members, the
 * decision format, the network state), the thread's earlier tasks each followed by its final
 * decision, then this run's task, and per member turn the decision (as the assistant's JSON) and
 * the member's result (as the user's). A model therefore sees its own earlier decisions, and the
 * mock provider's router mode can count them.
 */
export function routerMessages(input: RouterPromptInput): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: 'system', content: systemPrompt(input) }];
  for (const turn of input.history) {
    messages.push({ role: 'user', content: turn.message });
    messages.push({ role: 'assistant', content: decisionText({ next: ROUTE_DONE, input: '', reason: 'an earlier task of this conversation', answer: turn.answer }) });
  }
  messages.push({ role: 'user', content: input.task });
  for (const turn of input.turns) {
    messages.push({ role: 'assistant', content: decisionText(turn.decision) });
    messages.push({ role: 'user', content: resultText(turn.output) });
  }
  return messages;
}

/** The chat request of one routing call: `response_format` json_schema, or the schema in the prompt. */
export function routerRequest(model: string, input: RouterPromptInput, messages: ChatMessage[] = routerMessages(input)): ChatRequest {
  const request: ChatRequest = { model, messages, temperature: 0 };
  if (input.structuredOutput === 'json_schema') {
    request.response_format = {
      type: 'json_schema',
      json_schema: { name: ROUTE_SCHEMA_NAME, strict: true, schema: routeSchema(input.members.map((member) => member.name)) },
    } as ChatRequest['response_format'];
  }
  return request;
}

/** A decision as the assistant's message: compact JSON, fields in schema order. */
export function decisionText(decision: RouteDecision): string {
  return JSON.stringify({ next: decision.next, input: decision.input, reason: decision.reason, answer: decision.answer });
}

/** A member's result as text: a string as it is, anything else as JSON; cut at MAX_ROUTER_TEXT_CHARS. */
export function resultText(output: unknown): string {
  const text = typeof output === 'string' ? output : (JSON.stringify(output ?? null) ?? 'null');
  return cut(text);
}

function systemPrompt(input: RouterPromptInput): string {
  const members = input.members.map((member) => `- ${member.name} (${member.kind}): ${oneLine(member.description) || '(no description)'}`).join('\n');
  const names = input.members.map((member) => JSON.stringify(member.name)).join(', ');
  const parts = [
    `You are the router of the agent network ${input.network}. You do not do the work yourself: at each step you pick the member that works next and say what it should do, until the task is finished.`,
  ];
  if (input.instructions?.trim()) parts.push(`Instructions:\n${input.instructions.trim()}`);
  parts.push(`Members:\n${members}`);
  parts.push(
    [
      'Answer each step with one JSON object and nothing else:',
      `{"next": one of ${names} or "${ROUTE_DONE}", "input": "what that member should do", "reason": "why", "answer": "the final answer when next is ${ROUTE_DONE}, else empty"}.`,
      `Each member's result comes back as the next user message. Say "${ROUTE_DONE}" with the complete final answer when the task is finished.`,
    ].join('\n'),
  );
  if (input.structuredOutput === 'prompt') {
    parts.push(`The JSON object must conform to this JSON schema:\n${JSON.stringify(routeSchema(input.members.map((member) => member.name)))}`);
  }
  const state = Object.keys(input.state).length === 0 ? '(empty)' : cut(JSON.stringify(input.state, null, 2));
  parts.push(`Network state (shared by the members, JSON):\n${state}`);
  return parts.join('\n\n');
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 500 ? `${flat.slice(0, 500)}…` : flat;
}

function cut(text: string): string {
  return text.length > MAX_ROUTER_TEXT_CHARS ? `${text.slice(0, MAX_ROUTER_TEXT_CHARS)}… (${text.length - MAX_ROUTER_TEXT_CHARS} more characters cut)` : text;
}
