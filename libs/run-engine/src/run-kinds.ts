/**
 * The run kinds and what the rules that cross them need to know: the category of each kind's
 * run streams (`<category>:<namespace>:<name>:<uid>`) and the system principal its engine writes
 * as. A run one engine creates for another (a Workflow member of a network run, a nested
 * workflow step) acts as its owner's creator, which is found through these.
 */
export const RUN_KINDS = {
  WorkflowRun: { streamCategory: 'run', engineActor: 'system:workflow-executor' },
  NetworkRun: { streamCategory: 'networkrun', engineActor: 'system:network-router' },
} as const;

export type RunKind = keyof typeof RUN_KINDS;

export function isRunKind(kind: string): kind is RunKind {
  return Object.prototype.hasOwnProperty.call(RUN_KINDS, kind);
}

/** `run:<namespace>:<name>:<uid>` (WorkflowRun), `networkrun:…` (NetworkRun): the stream that is the run. */
export function runStreamIdOf(kind: RunKind, namespace: string, name: string, uid: string): string {
  return `${RUN_KINDS[kind].streamCategory}:${namespace}:${name}:${uid}`;
}
