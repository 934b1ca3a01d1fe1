import { DEFAULT_NAMESPACE, type Resource } from '@kastra/api';
import { CliError, type CliContext } from './cli-context';
import type { GatewayClient } from './gateway-client';
import { parseJsonFlag, workflowRunPath } from './run-command';

export interface ResumeOptions {
  namespace?: string;
  step: string;
  data: string;
}

/**
 * `kastra resume RUN --step ID --data JSON`: posts the payload to the run's `resume` endpoint,
 * which checks it against the step's resumeSchema before it sets `spec.resume.<step>` — a payload
 * that does not match is refused there (422 naming the field: printed, exit 1) instead of being
 * rejected later by the workflow-executor while the CLI said "resumed". A payload given before
 * the step suspends is used as soon as it does.
 */
export async function resumeCommand(name: string, options: ResumeOptions, client: GatewayClient, ctx: CliContext): Promise<boolean> {
  const data = parseJsonFlag('--data', options.data);
  if (data === null) throw new CliError('--data must not be null: give the resume payload the step expects');
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const { body } = await client.request('POST', `${workflowRunPath(namespace, name)}/resume`, { body: JSON.stringify({ stepId: options.step, payload: data }) });
  const step = (((body as Resource).status?.steps ?? {}) as Record<string, { state?: string }>)[options.step];
  if (step?.state !== 'Suspended') ctx.stderr(`note: step ${options.step} is not suspended now (${step?.state ?? 'not reached yet'}); the payload is used when it suspends\n`);
  ctx.stdout(`workflowrun.mastra.ai/${name} resumed (step ${options.step})\n`);
  return true;
}
