import type { Resource } from '@kastra/api';
import type { ResourceStore } from '@kastra/resource-store';
import type { Assessment } from '../assessment';
import type { KindReconciler } from '../kind-reconciler';
import { ReferenceChecker } from '../reference-checker';
import { inlineModelProblem } from './inline-model-problem';

/** A Network is Ready when every agent and the router model resolve and are Ready. */
export class NetworkReconciler implements KindReconciler {
  readonly kind = 'Network';
  private readonly references: ReferenceChecker;

  constructor(store: ResourceStore) {
    this.references = new ReferenceChecker(store);
  }

  async reconcile(network: Resource): Promise<Assessment> {
    const spec = (network.spec ?? {}) as { agents?: unknown[]; router?: { model?: unknown } };
    const problems = await this.references.check(network);
    const inline = inlineModelProblem(spec.router?.model, 'spec.router.model');
    if (inline) problems.push(inline);
    const agents = Array.isArray(spec.agents) ? spec.agents.length : 0;
    return { problems, readyMessage: `router model and ${agents} agent${agents === 1 ? '' : 's'} are Ready` };
  }
}
