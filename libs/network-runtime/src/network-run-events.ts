import type { RouteDecision } from './route-decision';
import type { StructuredOutputMode, ThreadTurn } from './router-prompt';

/** A member of the network as the run started with it. */
export interface NetworkRunMember {
  name: string;
  kind: 'agent' | 'workflow';
  /** `namespace.name` of the Agent or Workflow. */
  ref: string;
  /** What the router is told about it. */
  description: string;
}

/** An error a member turn or the run ended with. */
export interface NetworkRunError {
  type: string;
  message: string;
}

export interface NetworkRunStartedData {
  /** `namespace.name` of the Network. */
  network: string;
  message: string;
  threadId: string;
  maxSteps: number;
  members: NetworkRunMember[];
  /** The Network's instructions for the router. */
  instructions?: string;
  /** The router model's handle and how it is asked for a decision. */
  router: { model: string; structuredOutput: StructuredOutputMode };
  state: { persistence: boolean; ttl?: number };
  /** The thread's earlier tasks and answers (oldest first). */
  history: ThreadTurn[];
  /** Who the run acts as (its creator, from the log). */
  createdBy?: string;
}

export interface RouteDecidedData extends RouteDecision {
  step: number;
}

export interface MemberStartedData {
  step: number;
  member: string;
  memberKind: 'agent' | 'workflow';
  input: string;
  /** The child WorkflowRun of a workflow member. */
  childRun?: string;
  /** Starts of this turn so far (1 the first; more after the network-router running it died). */
  attempt: number;
  /** The network-router process that started it (`<pid>-<random>`). */
  replica?: string;
}

/** The events of a NetworkRun's stream `networkrun:<ns>:<name>:<uid>`. */
export type NetworkRunEvent =
  | { type: 'NetworkRunStarted'; data: NetworkRunStartedData }
  | { type: 'RouteDecided'; data: RouteDecidedData }
  | { type: 'MemberStarted'; data: MemberStartedData }
  | { type: 'MemberFinished'; data: { step: number; member: string; output: unknown } }
  | { type: 'MemberFailed'; data: { step: number; member: string; error: NetworkRunError } }
  | { type: 'NetworkRunSucceeded'; data: { output: string; steps: number } }
  | { type: 'NetworkRunFailed'; data: { reason: NetworkRunFailureReason; message: string; step?: number } }
  | { type: 'NetworkRunCancelled'; data: Record<string, never> };

/** An event as read back: with when it was recorded. */
export type TimedNetworkRunEvent = NetworkRunEvent & { at: string };

/** The reasons a run fails (`status.error.reason`, the Succeeded condition's reason). */
export type NetworkRunFailureReason =
  | 'MaxStepsReached'
  | 'UnknownMember'
  | 'UnparsableDecision'
  | 'MemberFailed'
  | 'RouterCrashed'
  | 'RouterFailed'
  | 'NetworkNotFound'
  | 'MaxStepsExceedsNetwork';

export const NETWORK_RUN_EVENT_TYPES = [
  'NetworkRunStarted',
  'RouteDecided',
  'MemberStarted',
  'MemberFinished',
  'MemberFailed',
  'NetworkRunSucceeded',
  'NetworkRunFailed',
  'NetworkRunCancelled',
] as const;

/** `<run uid>:route:<step>:<attempt>`: the idempotency key of a routing call. */
export function routeCallKey(runUid: string, step: number, attempt: number): string {
  return `${runUid}:route:${step}:${attempt}`;
}

/** `<run uid>:member:<step>`: the idempotency key of a member turn (its model calls add `:model:<n>`). */
export function memberTurnKey(runUid: string, step: number): string {
  return `${runUid}:member:${step}`;
}
