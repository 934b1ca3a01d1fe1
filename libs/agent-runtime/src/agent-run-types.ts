import type { ChatMessage, Usage } from './chat-types';
import type { AgentMemory } from './agent-memory';
import type { LlmClient } from './llm-client';
import type { ToolContext } from './tool-context';
import type { AgentTool, ToolResolver } from './tool-resolver';

/** What the agent is asked: a prompt or a conversation, optionally in a memory thread. */
export interface AgentInput {
  prompt?: string;
  messages?: ChatMessage[];
  /** Memory thread (used when the agent has spec.memory.enabled). */
  threadId?: string;
  /** Ask for structured output: the final answer must be JSON conforming to `schema`. */
  output?: { schema: Record<string, unknown>; name?: string };
}

export interface AgentDeps {
  llm: LlmClient;
  tools: ToolResolver;
  memory?: AgentMemory;
  /** The principal the model calls are made for. */
  user: string;
  signal?: AbortSignal;
  /**
   * Stable key of this agent call (a workflow step's `<run uid>:<step id>`): every tool call gets
   * `<key>:<model step>:<tool call index>` and every model call `<key>:model:<model step>`, so a
   * re-run of the same call reuses the same keys.
   */
  idempotencyKey?: string;
  /** The run the agent works for (its uid): each model call names it, so its usage is the run's. */
  runUid?: string;
  /** Live progress, e.g. for SSE. Must not throw. */
  onEvent?: (event: AgentEvent) => void;
  /** Per tool call limit. @default 30000 */
  toolTimeoutMs?: number;
  /**
   * Tools given in memory besides the agent's own (a network member's state tools,
   * `networkAgentDeps`); an own tool of the same name wins.
   */
  extraTools?: AgentTool[];
  /** The network the agent runs in as a member: what its state tools read and write. */
  network?: ToolContext['network'];
}

/** One tool call the model made and what came of it. */
export interface AgentToolCall {
  id: string;
  /** The name the model used. */
  name: string;
  step: number;
  input: unknown;
  output?: unknown;
  /** Set when the tool failed; the model was shown `{"error": ...}`. */
  error?: { type: string; message: string; reason?: string };
}

/** One model call. */
export interface AgentStep {
  step: number;
  text: string;
  finishReason: string | null;
  toolCalls: AgentToolCall[];
  usage: Usage;
}

export interface AgentResult {
  /** The final answer text (the JSON text when structured output was asked). */
  text: string;
  /** The parsed, schema-valid answer when `output` was asked. */
  object?: unknown;
  /** The whole conversation of this call, system prompt first. */
  messages: ChatMessage[];
  steps: AgentStep[];
  usage: Usage;
  toolCalls: AgentToolCall[];
  /** `stop`, or `max_steps` when the loop ended on the maxSteps cap with tool calls pending. */
  finishReason: string;
}

export type AgentEvent =
  | { type: 'step-start'; step: number }
  | { type: 'text'; step: number; text: string }
  | { type: 'tool-call'; step: number; id: string; name: string; input: unknown }
  | { type: 'tool-result'; step: number; id: string; name: string; output?: unknown; error?: AgentToolCall['error'] }
  | { type: 'step-finish'; step: number; finishReason: string | null; usage: Usage }
  | { type: 'finish'; result: Omit<AgentResult, 'messages'> };
