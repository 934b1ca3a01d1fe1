import type { Resource } from '@kastra/api';
import type { ResourceStore } from '@kastra/resource-store';
import type { Assessment } from '../assessment';
import type { KindReconciler } from '../kind-reconciler';
import { ReferenceChecker } from '../reference-checker';
import { ModelSelectorChecker, type ModelSelectorCheckerOptions } from './model-selector-checker';

/**
 * An Agent is Ready when it has a model the llm-proxy will serve (a Ready LLM, or an inline
 * provider and name — see ModelSelectorChecker) and every tool resolves and is Ready. Without a
 * model it cannot run at all (libs/agent-runtime agentModelHandle), so it is never Ready.
 */
export class AgentReconciler implements KindReconciler {
  readonly kind = 'Agent';
  private readonly references: ReferenceChecker;
  private readonly models: ModelSelectorChecker;

  constructor(store: ResourceStore, options: ModelSelectorCheckerOptions = {}) {
    this.references = new ReferenceChecker(store);
    this.models = new ModelSelectorChecker(store, options);
  }

  async reconcile(agent: Resource): Promise<Assessment> {
    const spec = (agent.spec ?? {}) as { model?: unknown; tools?: unknown[] };
    const problems = await this.references.check(agent);
    const model = await this.models.check(spec.model, 'spec.model');
    problems.push(...model.problems);
    const tools = Array.isArray(spec.tools) ? spec.tools.length : 0;
    return { problems, readyMessage: `model and ${tools} tool${tools === 1 ? '' : 's'} are Ready`, ...(model.recheckAfterMs ? { recheckAfterMs: model.recheckAfterMs } : {}) };
  }
}
