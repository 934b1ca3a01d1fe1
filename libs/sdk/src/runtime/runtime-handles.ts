import type { RuntimeResource } from '../resources/runtime-resource';

/** One agent call: a prompt, or a conversation; `threadId` keeps memory (agents with spec.memory.enabled). */
export interface AgentCall {
  prompt?: string;
  messages?: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>;
  threadId?: string;
  /** Structured output: the answer must be JSON matching `schema` (then in `object`). */
  output?: { schema: Record<string, unknown> };
}

export interface AgentToolCallRecord {
  id?: string;
  name: string;
  step?: number;
  input?: unknown;
  output?: unknown;
  error?: { type: string; message: string; reason?: string };
}

export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** What an agent answered. */
export interface AgentAnswer {
  text: string;
  object?: unknown;
  toolCalls: AgentToolCallRecord[];
  usage: TokenUsage;
  steps?: unknown[];
}

/** The agent loop's events as they happen; the last is `finish` (with the answer) — an `error` ends a stream by throwing. */
export type AgentStreamEvent =
  | { type: 'step-start'; step: number }
  | { type: 'text'; step: number; text: string }
  | { type: 'tool-call'; step: number; id: string; name: string; input: unknown }
  | { type: 'tool-result'; step: number; id: string; name: string; output?: unknown; error?: { type: string; message: string } }
  | { type: 'step-finish'; step: number; finishReason: string | null; usage: TokenUsage }
  | { type: 'finish'; result: AgentAnswer };

export interface AgentHandle {
  /** `namespace.name`. */
  readonly name: string;
  generate(input: string | AgentCall): Promise<AgentAnswer>;
  stream(input: string | AgentCall): AsyncIterable<AgentStreamEvent>;
}

export interface ExecuteOptions {
  /** Connected: how long the gateway waits for the run (the run goes on after). @default 60 */
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

/** How a workflow run settled: `Succeeded` with its output, or `Suspended` waiting for a resume. */
export interface WorkflowResult {
  output?: unknown;
  /** The WorkflowRun's name. */
  run: string;
  status: 'Succeeded' | 'Suspended';
  /** Set when suspended: the step waiting for approval, and its message. */
  suspended?: { stepId: string; message?: string };
}

/** A run's events as they are recorded: `{type, data, at}` (RunStarted, StepStarted, StepSucceeded, …, RunSucceeded). */
export interface RunEventRecord {
  type: string;
  data: Record<string, unknown>;
  at?: string;
}

export interface WorkflowHandle {
  readonly name: string;
  /** Runs the workflow and waits: `{output, run, status}`; RunFailedError when a step failed. */
  execute(input?: unknown, options?: ExecuteOptions): Promise<WorkflowResult>;
  /** Runs the workflow and yields its run's events until it settles. */
  stream(input?: unknown, options?: ExecuteOptions): AsyncIterable<RunEventRecord>;
  /** Resumes a suspended run at `stepId` with `payload` and waits as execute does. */
  resume(run: string, stepId: string, payload: unknown, options?: ExecuteOptions): Promise<WorkflowResult>;
}

/** What a network answered: the final output and the members it routed to, in order. */
export interface NetworkResult {
  output: unknown;
  route: Array<Record<string, unknown>>;
  /** The NetworkRun's name, when the network ran as one. */
  run?: string;
}

export interface NetworkCallOptions {
  /** Runs of one thread see the thread's earlier tasks and answers (connected; embedded keeps none). */
  threadId?: string;
  /** Most member turns, at most the Network's router.maxSteps. */
  maxSteps?: number;
  /** Connected: how long the gateway waits for the run (the run goes on after). @default 60 */
  timeoutSeconds?: number;
}

export interface NetworkHandle {
  readonly name: string;
  /** Runs the network on `message` and waits: `{output, route, run}`; RunFailedError when the run failed. */
  generate(message: string, options?: NetworkCallOptions): Promise<NetworkResult>;
  /**
   * Runs the network and yields its run's events (NetworkRunStarted, RouteDecided, MemberStarted,
   * MemberFinished, …) up to the final one; a failed run ends with NetworkRunFailed (not thrown).
   */
  stream(message: string, options?: NetworkCallOptions): AsyncIterable<RunEventRecord>;
}

export interface ToolHandle {
  readonly name: string;
  /** Runs the tool once with `input` (embedded mode; connected mode: tools run inside the cluster's agents and workflows). */
  execute(input: unknown): Promise<unknown>;
}

/** A watch of one kind: `stop()` ends it; `ready` resolves once it delivers changes. */
export interface ResourceWatch {
  readonly ready: Promise<void>;
  stop(): void;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export type WatchHandler = (event: { type: WatchEventType; object: RuntimeResource }) => void;
