import { DEFAULT_NAMESPACE } from '@kastra/api';
import { parseTtl } from '@kastra/auth';
import { CliError, type CliContext } from './cli-context';
import type { GatewayClient } from './gateway-client';
import { statusError } from './logs-command';
import { errorText, networkEventDetail, short, type NetworkRunEventFrame } from './network-run-events';

export interface GenerateOptions {
  namespace?: string;
  thread?: string;
  maxSteps?: string;
  /** How long to wait for the answer: seconds or 90s, 5m (at most 10m, the gateway's limit). */
  timeout: string;
}

const NETWORK_NAMES = new Set(['network', 'networks', 'net']);
/** The gateway's ceiling of `timeoutSeconds` for a synchronous run. */
const MAX_TIMEOUT_SECONDS = 600;
const RESULT_LENGTH = 200;

/**
 * `kastra generate network NAME "message" [-n NS] [--thread ID] [--max-steps N]`: runs the
 * Network on the task through the gateway's generate endpoint, printing the route as it
 * happens (one line per decision and member result, on stderr) and then the answer (stdout).
 * @returns 0 when the run succeeded; 1 when it failed, was cancelled or did not end in --timeout.
 */
export async function generateCommand(kind: string, network: string, message: string, options: GenerateOptions, client: GatewayClient, ctx: CliContext): Promise<number> {
  if (!NETWORK_NAMES.has(kind.toLowerCase())) throw new CliError(`kastra generate runs networks: use "kastra generate network NAME \\"message\\"", not "${kind}"`);
  if (message.trim() === '') throw new CliError('the message (the task for the network) must not be empty');
  const timeoutSeconds = timeoutOf(options.timeout);
  const maxSteps = options.maxSteps === undefined ? undefined : Number(options.maxSteps);
  if (maxSteps !== undefined && (!Number.isInteger(maxSteps) || maxSteps < 1)) throw new CliError(`--max-steps must be a whole number of at least 1, not "${options.maxSteps}"`);
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const body = JSON.stringify({ message, ...(options.thread !== undefined ? { threadId: options.thread } : {}), ...(maxSteps !== undefined ? { maxSteps } : {}) });

  let run = '';
  let exitCode: number | undefined;
  await client.streamRequest(
    'POST',
    `/apis/mastra.ai/v1/namespaces/${encodeURIComponent(namespace)}/networks/${encodeURIComponent(network)}/generate`,
    { body, query: { timeoutSeconds: String(timeoutSeconds) } },
    (type, data) => {
      if (type === 'error') throw statusError(data);
      exitCode = printEvent(data as NetworkRunEventFrame, run, ctx) ?? exitCode;
    },
    (headers) => {
      run = String(headers['content-location'] ?? '').split('/').pop() ?? '';
      ctx.stderr(`networkrun.mastra.ai/${run} created\n`);
    },
  );
  if (exitCode === undefined) {
    ctx.stderr(`error: the event stream ended before the run did; follow it with: kastra logs networkrun ${run} -n ${namespace} -f\n`);
    return 1;
  }
  return exitCode;
}

/** Prints one event of the run; the exit code once the run has ended. */
function printEvent(event: NetworkRunEventFrame, run: string, ctx: CliContext): number | undefined {
  const data = event.data ?? {};
  const step = `step ${String(data.step ?? '?')}`;
  switch (event.type) {
    case 'RouteDecided':
      ctx.stderr(data.next === 'done' ? `${step}  done (${String(data.reason ?? '')})\n` : `${step}  → ${String(data.next)}: ${short(data.input)} (${String(data.reason ?? '')})\n`);
      return undefined;
    case 'MemberFinished':
      ctx.stderr(`${step}  ← ${String(data.member)}: ${short(data.output, RESULT_LENGTH)}\n`);
      return undefined;
    case 'MemberFailed':
      ctx.stderr(`${step}  ✗ ${String(data.member)}: ${errorText(data.error, RESULT_LENGTH)}\n`);
      return undefined;
    case 'NetworkRunSucceeded': {
      const output = data.output;
      ctx.stdout(`${typeof output === 'string' ? output : JSON.stringify(output ?? null, null, 2)}\n`);
      return 0;
    }
    case 'NetworkRunFailed': {
      const where = typeof data.step === 'number' ? ` at step ${data.step}` : '';
      ctx.stderr(`networkrun ${run} Failed${where}: ${networkEventDetail(event.type, data)}\n`);
      return 1;
    }
    case 'NetworkRunCancelled':
      ctx.stderr(`networkrun ${run} Cancelled\n`);
      return 1;
    default:
      return undefined;
  }
}

function timeoutOf(text: string): number {
  let seconds: number;
  try {
    seconds = parseTtl(text);
  } catch {
    throw new CliError(`--timeout "${text}" is not a duration such as 60, 90s or 5m`);
  }
  if (seconds < 1 || seconds > MAX_TIMEOUT_SECONDS) throw new CliError(`--timeout must be between 1s and ${MAX_TIMEOUT_SECONDS / 60}m, not ${text}`);
  return seconds;
}
