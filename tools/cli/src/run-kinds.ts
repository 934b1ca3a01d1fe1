import { CliError } from './cli-context';

/** What the run commands (logs, cancel) need to know of a run kind. */
export interface CliRunKind {
  kind: 'WorkflowRun' | 'NetworkRun';
  plural: string;
  /** `workflowrun`, as in `workflowrun.mastra.ai/NAME`. */
  singular: string;
  /** The names a user may type for it. */
  names: ReadonlySet<string>;
  /** The events that end a run's stream, and which of them mean it did not succeed. */
  terminalEvents: ReadonlySet<string>;
  unsuccessfulEvents: ReadonlySet<string>;
}

export const WORKFLOW_RUN_KIND: CliRunKind = {
  kind: 'WorkflowRun',
  plural: 'workflowruns',
  singular: 'workflowrun',
  names: new Set(['run', 'runs', 'workflowrun', 'workflowruns', 'wfr']),
  terminalEvents: new Set(['RunSucceeded', 'RunFailed', 'RunCancelled']),
  unsuccessfulEvents: new Set(['RunFailed', 'RunCancelled']),
};

export const NETWORK_RUN_KIND: CliRunKind = {
  kind: 'NetworkRun',
  plural: 'networkruns',
  singular: 'networkrun',
  names: new Set(['networkrun', 'networkruns', 'nwr']),
  terminalEvents: new Set(['NetworkRunSucceeded', 'NetworkRunFailed', 'NetworkRunCancelled']),
  unsuccessfulEvents: new Set(['NetworkRunFailed', 'NetworkRunCancelled']),
};

/** The run kind a user typed (`run`, `wfr`, `networkrun`, `nwr`...), or a CliError saying which exist. */
export function runKindNamed(name: string, command: string): CliRunKind {
  const lower = name.toLowerCase();
  const found = [WORKFLOW_RUN_KIND, NETWORK_RUN_KIND].find((kind) => kind.names.has(lower));
  if (!found) throw new CliError(`kastra ${command} works on runs: use "kastra ${command} run NAME" (a workflow run) or "kastra ${command} networkrun NAME", not "${name}"`);
  return found;
}

/** Path of a run (or the collection) of `kind` in the REST API. */
export function runPath(kind: CliRunKind, namespace: string, name?: string): string {
  return `/apis/mastra.ai/v1/namespaces/${encodeURIComponent(namespace)}/${kind.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}
