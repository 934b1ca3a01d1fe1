import type { Resource } from '@kastra/api';
import { runFailureStatus, type RunFailureStatus } from '../runs/run-failure-status';
import { phaseOf } from '../runs/workflow-run-outcome';

/** One member turn in `status.route`. */
export interface RouteEntry {
  step: number;
  agent: string;
  reason?: string;
}

/** What a synchronous generate answers when the run succeeded. */
export interface NetworkGenerateAnswer {
  run: string;
  phase: string;
  /** The router's final answer. */
  output?: unknown;
  route: RouteEntry[];
  steps?: number;
  usage?: unknown;
}

export type NetworkGenerateOutcome = { code: number; body: NetworkGenerateAnswer | RunFailureStatus };

/** The network run's `status.error` (reason as in the Succeeded condition). */
interface NetworkRunError {
  reason?: string;
  message?: string;
  step?: number;
}

const ENDED = new Set(['Succeeded', 'Failed', 'Cancelled']);

/** A network run never suspends: it is settled once it has ended. */
export function isNetworkRunEnded(run: Resource): boolean {
  return ENDED.has(phaseOf(run));
}

export function routeOf(run: Resource): RouteEntry[] {
  return Array.isArray(run.status?.route) ? (run.status.route as RouteEntry[]) : [];
}

/**
 * The HTTP answer for an ended network run: 200 with the answer and route when it succeeded;
 * 422 `RunFailed` (with the route so far and `status.error`) when it failed — the request was
 * carried out, the network could not answer, so no 5xx a client would blindly retry; 409
 * `Conflict` when it was cancelled.
 */
export function networkOutcomeOf(run: Resource): NetworkGenerateOutcome {
  const name = run.metadata.name;
  const phase = phaseOf(run);
  const route = routeOf(run);
  if (phase === 'Succeeded') {
    const { output, steps, usage } = run.status ?? {};
    return { code: 200, body: { run: name, phase, output, route, ...(typeof steps === 'number' ? { steps } : {}), ...(usage !== undefined ? { usage } : {}) } };
  }
  const error = run.status?.error as NetworkRunError | undefined;
  if (phase === 'Cancelled') return failure(run, 409, 'Conflict', `network run ${name} was cancelled`);
  const where = typeof error?.step === 'number' ? ` at step ${error.step}` : '';
  return failure(run, 422, 'RunFailed', `network run ${name} failed${where}: ${error?.reason ?? 'Error'}: ${error?.message ?? 'no detail'}`);
}

/** 504 `Timeout`: the run goes on; the caller can follow it by name. */
export function networkTimeoutOutcome(run: Resource, seconds: number): NetworkGenerateOutcome {
  const name = run.metadata.name;
  const phase = phaseOf(run);
  return failure(run, 504, 'Timeout', `network run ${name} did not finish within ${seconds}s; it is still ${phase} (follow it with kastra logs networkrun ${name} -n ${run.metadata.namespace} -f)`);
}

function failure(run: Resource, code: number, reason: RunFailureStatus['reason'], message: string): NetworkGenerateOutcome {
  const error = run.status?.error as NetworkRunError | undefined;
  const causes = error?.reason ? [{ reason: error.reason, field: 'status.error', message: error.message ?? '' }] : undefined;
  return {
    code,
    body: runFailureStatus({ plural: 'networkruns', run: run.metadata.name, phase: phaseOf(run), code, reason, message, causes, error, extra: { route: routeOf(run) } }),
  };
}
