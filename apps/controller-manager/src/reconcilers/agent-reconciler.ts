import type { Resource } from '@kastra/api';
import type { ResourceStore } from '@kastra/resource-store';
import type { Assessment } from '../assessment';
import type { KindReconciler } from '../kind-reconciler';
import { ReferenceChecker } from '../reference-checker';
import { inlineModelProblem } from './inline-model-problem';

/** An Agent is Ready when its model (an LLM resource or an inline provider) and every tool resolve and are Ready. */
export class AgentReconciler implements KindReconciler {
  readonly kind = 'Agent';
  private readonly references: ReferenceChecker;

  constructor(store: ResourceStore) {
    this.references = new ReferenceChecker(store);
  }

  async reconcile(agent: Resource): Promise<Assessment> {
    const spec = (agent.spec ?? {}) as { model?: unknown; tools?: unknown[] };
    const problems = await this.references.check(agent);
    const inline = inlineModelProblem(spec.model, 'spec.model');
    if (inline) problems.push(inline);
    const tools = Array.isArray(spec.tools) ? spec.tools.length : 0;
    return { problems, readyMessage: `model and ${tools} tool${tools === 1 ? '' : 's'} are Ready` };
  }
}
