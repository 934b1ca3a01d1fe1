import { DEFAULT_NAMESPACE, generatedRunName, type Resource } from '@kastra/api';
import { parseTtl } from '@kastra/auth';
import { CliError, type CliContext } from './cli-context';
import type { GatewayClient } from './gateway-client';

export interface RunOptions {
  namespace?: string;
  input?: string;
  wait?: boolean;
  /** How long --wait waits: seconds or 90s, 15m... */
  timeout: string;
  /** How often --wait looks at the run. @default 500 */
  pollMs?: number;
}

/** Exit code of `kastra run --wait` when the run suspends: it waits for a `kastra resume`, not for time. */
export const EXIT_SUSPENDED = 3;

const WORKFLOW_NAMES = new Set(['workflow', 'workflows', 'wf']);
const ENDED = new Set(['Succeeded', 'Failed', 'Cancelled']);

/** Path of a WorkflowRun (or the collection) in the REST API. */
export function workflowRunPath(namespace: string, name?: string): string {
  return `/apis/mastra.ai/v1/namespaces/${encodeURIComponent(namespace)}/workflowruns${name ? `/${encodeURIComponent(name)}` : ''}`;
}


/** Parses a JSON argument, naming the flag when it is not JSON. */
export function parseJsonFlag(flag: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${flag} must be JSON (e.g. '{"city":"Paris"}'): ${(error as Error).message}`);
  }
}

/**
 * `kastra run workflow NAME --input JSON [--wait]`: creates a WorkflowRun and prints its name;
 * with --wait follows it until it ends and prints its output as JSON.
 * @returns the exit code: 0 done (succeeded, or created without --wait); 1 failed, cancelled or
 * not ended within --timeout; EXIT_SUSPENDED when the run suspends (how to resume it is printed).
 */
export async function runCommand(kind: string, workflow: string, options: RunOptions, client: GatewayClient, ctx: CliContext): Promise<number> {
  if (!WORKFLOW_NAMES.has(kind.toLowerCase())) throw new CliError(`kastra run runs workflows: use "kastra run workflow NAME", not "${kind}"`);
  const input = options.input === undefined ? undefined : parseJsonFlag('--input', options.input);
  let timeoutSeconds: number;
  try {
    timeoutSeconds = parseTtl(options.timeout);
  } catch {
    throw new CliError(`--timeout "${options.timeout}" is not a duration such as 60, 90s or 5m`);
  }
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const run: Resource = {
    apiVersion: 'mastra.ai/v1',
    kind: 'WorkflowRun',
    metadata: { name: generatedRunName(workflow), namespace, labels: { 'mastra.ai/workflow': workflow } },
    spec: { workflowRef: { name: workflow }, ...(input !== undefined ? { input } : {}) },
  };
  const created = (await client.request('POST', workflowRunPath(namespace), { body: JSON.stringify(run) })).body as Resource;
  const name = created.metadata.name;
  if (!options.wait) {
    ctx.stdout(`${name}\n`);
    return 0;
  }
  ctx.stderr(`workflowrun.mastra.ai/${name} created\n`);
  return waitForRun(namespace, name, timeoutSeconds, options.pollMs ?? 500, client, ctx);
}

async function waitForRun(namespace: string, name: string, timeoutSeconds: number, pollMs: number, client: GatewayClient, ctx: CliContext): Promise<number> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const run = (await client.request('GET', workflowRunPath(namespace, name))).body as Resource;
    const phase = String(run.status?.phase ?? 'Pending');
    if (phase === 'Succeeded') {
      ctx.stdout(`${JSON.stringify(run.status?.output ?? null, null, 2)}\n`);
      return 0;
    }
    if (ENDED.has(phase)) {
      const error = run.status?.error as { stepId?: string; type?: string; message?: string } | undefined;
      const where = error?.stepId ? ` at step ${error.stepId}` : '';
      ctx.stderr(`workflowrun ${name} ${phase}${where}${error ? `: ${error.type}: ${error.message}` : ''}\n`);
      return 1;
    }
    if (phase === 'Suspended') {
      // Only a resume moves it on: waiting out --timeout would tell nothing more.
      const steps = (run.status?.steps ?? {}) as Record<string, { state?: string; message?: string }>;
      const [stepId, step] = Object.entries(steps).find(([, s]) => s.state === 'Suspended') ?? ['STEP', {}];
      ctx.stderr(`workflowrun ${name} is suspended at step ${stepId}${step.message ? ` (${step.message})` : ''}; resume it with: kastra resume ${name} -n ${namespace} --step ${stepId} --data '{...}'\n`);
      return EXIT_SUSPENDED;
    }
    if (Date.now() + pollMs > deadline) {
      ctx.stderr(`workflowrun ${name} is still ${phase} after ${timeoutSeconds}s; follow it with: kastra logs run ${name} -n ${namespace} -f\n`);
      return 1;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
