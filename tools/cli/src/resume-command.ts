import { DEFAULT_NAMESPACE, type Resource } from '@kastra/api';
import { CliError, type CliContext } from './cli-context';
import type { GatewayClient } from './gateway-client';
import { parseJsonFlag, workflowRunPath } from './run-command';

export interface ResumeOptions {
  namespace?: string;
  step: string;
  data: string;
}

const ENDED = new Set(['Succeeded', 'Failed', 'Cancelled']);

/**
 * `kastra resume RUN --step ID --data JSON`: sets `spec.resume.<step>` of the run, which the
 * workflow-executor validates against the step's resumeSchema and takes as the step's output
 * (a payload that does not match is recorded as ResumeRejected and the run stays suspended).
 * A payload given before the step suspends is used as soon as it does.
 */
export async function resumeCommand(name: string, options: ResumeOptions, client: GatewayClient, ctx: CliContext): Promise<boolean> {
  const data = parseJsonFlag('--data', options.data);
  // A merge patch with null would delete the key instead of resuming.
  if (data === null) throw new CliError('--data must not be null: give the resume payload the step expects');
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const path = workflowRunPath(namespace, name);
  const run = (await client.request('GET', path)).body as Resource;
  const phase = String(run.status?.phase ?? 'Pending');
  if (ENDED.has(phase)) throw new CliError(`workflowrun ${name} has already ended (${phase}); there is nothing to resume`);
  const step = ((run.status?.steps ?? {}) as Record<string, { state?: string }>)[options.step];
  if (step?.state !== 'Suspended') ctx.stderr(`note: step ${options.step} is not suspended now (${step?.state ?? 'not reached yet'}); the payload is used when it suspends\n`);

  const previous = (run.spec?.resume as Record<string, unknown> | undefined)?.[options.step];
  if (previous === undefined) {
    await client.request('PATCH', path, { contentType: 'application/merge-patch+json', body: JSON.stringify({ spec: { resume: { [options.step]: data } } }) });
  } else {
    // A merge patch would merge a new object payload into a rejected earlier one: replace it.
    const pointer = `/spec/resume/${options.step.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    await client.request('PATCH', path, { contentType: 'application/json-patch+json', body: JSON.stringify([{ op: 'replace', path: pointer, value: data }]) });
  }
  ctx.stdout(`workflowrun.mastra.ai/${name} resumed (step ${options.step})\n`);
  return true;
}
