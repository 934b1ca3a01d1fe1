import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { DEFAULT_NAMESPACE } from '@kastra/api';
import { JwtAuthority, loadDevelopmentSecrets } from '@kastra/auth';
import { CliError, kastraHome, type CliContext } from './cli-context';
import { GatewayStatusError } from './gateway-client';
import { workflowRunPath } from './run-command';

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

const RUN_KINDS = new Set(['run', 'runs', 'workflowrun', 'workflowruns', 'wfr']);
const DETAIL_LENGTH = 100;

/**
 * `kastra logs run NAME [-f]`: the run's events, one line each (time, type, step, short detail),
 * from the gateway's SSE endpoint; -f keeps following until the run ends.
 * @returns false when the stream ended with RunFailed or RunCancelled, or broke off.
 */
export async function logsCommand(kind: string, name: string, options: LogsOptions, server: string, ctx: CliContext): Promise<boolean> {
  if (!RUN_KINDS.has(kind.toLowerCase())) throw new CliError(`kastra logs shows workflow runs: use "kastra logs run NAME", not "${kind}"`);
  const url = new URL(`${server}${workflowRunPath(options.namespace ?? DEFAULT_NAMESPACE, name)}/events`);
  if (!options.follow) url.searchParams.set('follow', 'false');
  let last: string | undefined;
  await readEventStream(url, ctx, (type, data) => {
    if (type === 'error') throw statusError(data);
    const event = data as RunEventFrame;
    last = event.type;
    ctx.stdout(`${formatRunEvent(event)}\n`);
  });
  if (options.follow && last !== 'RunSucceeded' && last !== 'RunFailed' && last !== 'RunCancelled') {
    ctx.stderr('error: the event stream ended before the run did\n');
    return false;
  }
  return last !== 'RunFailed' && last !== 'RunCancelled';
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

function statusError(data: unknown): GatewayStatusError {
  const status = data as { code?: number; reason?: string; message?: string };
  return new GatewayStatusError(status.code ?? 500, status.reason ?? 'InternalError', status.message ?? 'the event stream failed');
}

/**
 * Reads Server-Sent Events until the server ends the response. The token is found the way
 * GatewayClient.fromContext finds it (that client buffers whole answers, so it cannot stream).
 */
function readEventStream(url: URL, ctx: CliContext, onEvent: (type: string, data: unknown) => void): Promise<void> {
  const home = kastraHome(ctx);
  const token = ctx.env.KASTRA_TOKEN || new JwtAuthority(loadDevelopmentSecrets(home, { env: ctx.env }).jwtSecret).issue({ sub: 'kastra-cli', role: 'admin' }, '10m');
  const caFile = path.join(home, 'tls', 'ca.crt');
  const ca = url.protocol === 'https:' && fs.existsSync(caFile) ? fs.readFileSync(caFile, 'utf8') : undefined;
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.get(url, { headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` }, ca }, (response) => {
      response.setEncoding('utf8');
      if ((response.statusCode ?? 0) >= 400) {
        let text = '';
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          try {
            reject(statusError(JSON.parse(text)));
          } catch {
            reject(new GatewayStatusError(response.statusCode ?? 0, `HTTP ${response.statusCode}`, text.trim().slice(0, 200)));
          }
        });
        return;
      }
      let buffer = '';
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const type = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (!type || data === undefined) continue; // keepalive comments
          try {
            onEvent(type, JSON.parse(data));
          } catch (error) {
            request.destroy();
            reject(error);
            return;
          }
        }
      });
      response.on('end', () => resolve());
      response.on('error', reject);
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error instanceof GatewayStatusError) return;
      reject(new CliError(`cannot reach the Kastra gateway at ${url.origin}: ${error.code ?? error.message}`));
    });
  });
}
