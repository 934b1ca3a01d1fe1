import { DEFAULT_NAMESPACE, type Resource } from '@kastra/api';
import type { CliContext } from './cli-context';
import type { GatewayClient } from './gateway-client';
import { workflowRunPath } from './run-command';

const ENDED = new Set(['Succeeded', 'Failed', 'Cancelled']);

/**
 * `kastra cancel RUN`: sets `spec.cancel: true`; the workflow-executor records RunCancelled and
 * aborts the step in flight. Cancelling a run that has ended changes nothing and is not an error.
 */
export async function cancelCommand(name: string, options: { namespace?: string }, client: GatewayClient, ctx: CliContext): Promise<boolean> {
  const path = workflowRunPath(options.namespace ?? DEFAULT_NAMESPACE, name);
  const run = (await client.request('GET', path)).body as Resource;
  const phase = String(run.status?.phase ?? 'Pending');
  if (ENDED.has(phase)) {
    ctx.stdout(`workflowrun.mastra.ai/${name} has already ended (${phase})\n`);
    return true;
  }
  await client.request('PATCH', path, { contentType: 'application/merge-patch+json', body: JSON.stringify({ spec: { cancel: true } }) });
  ctx.stdout(`workflowrun.mastra.ai/${name} cancel requested\n`);
  return true;
}
