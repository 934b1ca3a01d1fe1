import { DEFAULT_NAMESPACE, type Resource } from '@kastra/api';
import type { CliContext } from './cli-context';
import type { GatewayClient } from './gateway-client';
import { runKindNamed, runPath, WORKFLOW_RUN_KIND } from './run-kinds';

const ENDED = new Set(['Succeeded', 'Failed', 'Cancelled']);

/**
 * `kastra cancel RUN` (a workflow run) or `kastra cancel networkrun RUN`: sets `spec.cancel:
 * true`; the run's engine records the cancellation and aborts the step or member in flight.
 * Cancelling a run that has ended changes nothing and is not an error.
 */
export async function cancelCommand(first: string, second: string | undefined, options: { namespace?: string }, client: GatewayClient, ctx: CliContext): Promise<boolean> {
  const [kind, name] = second === undefined ? [WORKFLOW_RUN_KIND, first] : [runKindNamed(first, 'cancel'), second];
  const path = runPath(kind, options.namespace ?? DEFAULT_NAMESPACE, name);
  const run = (await client.request('GET', path)).body as Resource;
  const phase = String(run.status?.phase ?? 'Pending');
  if (ENDED.has(phase)) {
    ctx.stdout(`${kind.singular}.mastra.ai/${name} has already ended (${phase})\n`);
    return true;
  }
  await client.request('PATCH', path, { contentType: 'application/merge-patch+json', body: JSON.stringify({ spec: { cancel: true } }) });
  ctx.stdout(`${kind.singular}.mastra.ai/${name} cancel requested\n`);
  return true;
}
