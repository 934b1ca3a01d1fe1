import { validateWorkflowGraph, type Resource } from '@kastra/api';
import type { ResourceStore } from '@kastra/resource-store';
import type { Assessment } from '../assessment';
import type { KindReconciler } from '../kind-reconciler';
import { ReferenceChecker } from '../reference-checker';

/** A Workflow is Ready when its step graph is valid and every agent and tool of its steps is Ready. */
export class WorkflowReconciler implements KindReconciler {
  readonly kind = 'Workflow';
  private readonly references: ReferenceChecker;

  constructor(store: ResourceStore) {
    this.references = new ReferenceChecker(store);
  }

  async reconcile(workflow: Resource): Promise<Assessment> {
    const graphCauses = validateWorkflowGraph(workflow.spec);
    const problems = await this.references.check(workflow);
    if (graphCauses.length > 0) {
      // Graph errors first: Ready's reason is the first problem's, and a broken graph needs an edit.
      problems.unshift({
        reason: 'InvalidGraph',
        message: `invalid step graph: ${graphCauses.map((cause) => `${cause.field}: ${cause.message}`).join('; ')}`,
        terminal: true,
      });
    }
    const steps = Array.isArray((workflow.spec as { steps?: unknown })?.steps) ? (workflow.spec as { steps: unknown[] }).steps.length : 0;
    return { problems, readyMessage: `${steps} step${steps === 1 ? '' : 's'}, graph valid, every reference Ready` };
  }
}
