import { DEFAULT_NAMESPACE } from '@kastra/api';
import type { CliContext } from './cli-context';
import { GatewayStatusError, type GatewayClient } from './gateway-client';
import { formatNetworkRunEvent } from './network-run-events';
import { runKindNamed, runPath, WORKFLOW_RUN_KIND } from './run-kinds';

export interface LogsOptions {
  namespace?: string;
  follow?: boolean;
}

/** One recorded run event as the SSE endpoint sends it. */
interface RunEventFrame {
  type: string;
  createdAt: string;
  data: Record<string, unknown>;
}

const DETAIL_LENGTH = 100;

/**
 * `kastra logs run NAME [-f]` (a workflow run) and `kastra logs networkrun NAME [-f]`: the run's
 * events, one line each (time, type, step, short detail), from the gateway's SSE endpoint; -f
 * keeps following until the run ends.
 * @returns false when the stream ended with the run failed or cancelled, or broke off.
 */
export async function logsCommand(kindName: string, name: string, options: LogsOptions, gateway: GatewayClient, ctx: CliContext): Promise<boolean> {
  const kind = runKindNamed(kindName, 'logs');
  const format = kind === WORKFLOW_RUN_KIND ? formatRunEvent : formatNetworkRunEvent;
  const events = `${runPath(kind, options.namespace ?? DEFAULT_NAMESPACE, name)}/events`;
  let last: string | undefined;
  await gateway.streamEvents(events, { follow: options.follow ? undefined : 'false' }, (type, data) => {
    if (type === 'error') throw statusError(data);
    const event = data as RunEventFrame;
    last = event.type;
    ctx.stdout(`${format(event)}\n`);
  });
  if (options.follow && !(last && kind.terminalEvents.has(last))) {
    ctx.stderr('error: the event stream ended before the run did\n');
    return false;
  }
  return !(last && kind.unsuccessfulEvents.has(last));
}

/** `2026-01-02T10:00:00.000Z  StepSucceeded    fetch   output {"a":1}` */
export function formatRunEvent(event: RunEventFrame): string {
  const data = event.data ?? {};
  const step = typeof data.stepId === 'string' ? data.stepId : '-';
  return `${event.createdAt}  ${event.type.padEnd(17)} ${step.padEnd(16)} ${detailOf(event.type, data)}`.trimEnd();
}

function detailOf(type: string, data: Record<string, unknown>): string {
  const error = data.error as { type?: string; message?: string } | undefined;
  const errorText = error ? `${error.type}: ${error.message}` : '';
  switch (type) {
    case 'RunStarted': {
      const workflow = data.workflow as { namespace?: string; name?: string } | undefined;
      return `workflow ${workflow?.namespace}.${workflow?.name} input ${short(data.input)}`;
    }
    case 'StepScheduled':
      return `visit ${data.visit} input ${short(data.input)}`;
    case 'StepStarted':
      return `attempt ${data.attempt} on ${data.replica}`;
    case 'StepItemSucceeded':
      return `item ${data.item} output ${short(data.output)}`;
    case 'StepSucceeded':
    case 'RunSucceeded':
      return `output ${short(data.output)}`;
    case 'StepRetrying':
      return `attempt ${data.attempt} failed: ${errorText}; retry at ${data.retryAt}`;
    case 'StepFailed':
      return `attempt ${data.attempt}: ${errorText}`;
    case 'RunFailed':
      return errorText;
    case 'RunSuspended':
      return typeof data.message === 'string' ? data.message : 'waiting for kastra resume';
    case 'ResumeRejected':
      return errorText;
    case 'RunResumed':
      return `payload ${short(data.payload)}`;
    case 'RunCancelled':
      return String(data.reason ?? '');
    default:
      return short(data);
  }
}

function short(value: unknown): string {
  const text = value === undefined ? '-' : JSON.stringify(value);
  return text.length > DETAIL_LENGTH ? `${text.slice(0, DETAIL_LENGTH - 1)}…` : text;
}

export function statusError(data: unknown): GatewayStatusError {
  const status = data as { code?: number; reason?: string; message?: string };
  return new GatewayStatusError(status.code ?? 500, status.reason ?? 'InternalError', status.message ?? 'the event stream failed');
}
