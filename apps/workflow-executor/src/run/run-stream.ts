import { runStreamIdOf } from '@kastra/run-engine';

/** The log stream of a WorkflowRun: `run:<namespace>:<name>:<uid>`. */
export function runStreamId(namespace: string, name: string, uid: string): string {
  return runStreamIdOf('WorkflowRun', namespace, name, uid);
}
