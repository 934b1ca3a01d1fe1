import type { Resource } from '@kastra/api';
import type { ResourceStore } from '@kastra/resource-store';
import type { Assessment } from '../assessment';
import type { KindReconciler } from '../kind-reconciler';
import { ReferenceChecker } from '../reference-checker';
import { ModelSelectorChecker, type ModelSelectorCheckerOptions } from './model-selector-checker';

/**
 * A Network is Ready when every member (agent, workflow) and the router model resolve and are Ready
 * (the router model as an Agent's model is): the members are the spec's references.
 */
export class NetworkReconciler implements KindReconciler {
  readonly kind = 'Network';
  private readonly references: ReferenceChecker;
  private readonly models: ModelSelectorChecker;

  constructor(store: ResourceStore, options: ModelSelectorCheckerOptions = {}) {
    this.references = new ReferenceChecker(store);
    this.models = new ModelSelectorChecker(store, options);
  }

  async reconcile(network: Resource): Promise<Assessment> {
    const spec = (network.spec ?? {}) as { agents?: unknown[]; workflows?: unknown[]; router?: { model?: unknown } };
    const problems = await this.references.check(network);
    const model = await this.models.check(spec.router?.model, 'spec.router.model');
    problems.push(...model.problems);
    const agents = Array.isArray(spec.agents) ? spec.agents.length : 0;
    const workflows = Array.isArray(spec.workflows) ? spec.workflows.length : 0;
    const members = [`${agents} agent${agents === 1 ? '' : 's'}`, ...(workflows > 0 ? [`${workflows} workflow${workflows === 1 ? '' : 's'}`] : [])].join(' and ');
    return { problems, readyMessage: `router model and ${members} are Ready`, ...(model.recheckAfterMs ? { recheckAfterMs: model.recheckAfterMs } : {}) };
  }
}
