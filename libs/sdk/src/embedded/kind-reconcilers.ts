// The controller-manager's reconcilers, run in this process: an embedded runtime judges readiness
// and references by exactly the rules the cluster applies (the same code, not a copy).
import type { ResourceStore } from '@kastra/resource-store';
import { statusFor, sameJson, type Assessment } from '../../../../apps/controller-manager/src/assessment';
import type { KindReconciler } from '../../../../apps/controller-manager/src/kind-reconciler';
import { describeKey, notReadyBecause, ReferenceChecker } from '../../../../apps/controller-manager/src/reference-checker';
import { AgentReconciler } from '../../../../apps/controller-manager/src/reconcilers/agent-reconciler';
import { LlmReconciler } from '../../../../apps/controller-manager/src/reconcilers/llm-reconciler';
import { NetworkReconciler } from '../../../../apps/controller-manager/src/reconcilers/network-reconciler';
import { SystemReconciler } from '../../../../apps/controller-manager/src/reconcilers/system-reconciler';
import { ToolReconciler } from '../../../../apps/controller-manager/src/reconcilers/tool-reconciler';
import { WorkflowReconciler } from '../../../../apps/controller-manager/src/reconcilers/workflow-reconciler';
import type { EmbeddedResourceStore } from './embedded-resource-store';

export { statusFor, sameJson, describeKey, notReadyBecause, ReferenceChecker, type Assessment, type KindReconciler };

/**
 * In an embedded runtime the application is its own operator and the last writer of every
 * resource: its Tools and LLMs may use any of its Secrets and reach any address its process can.
 */
const APPLICATION_PERMISSIONS = {
  mayReachPrivate: async () => true,
  mayUseSecret: async () => true,
};

/** The built-in kinds' reconcilers over an embedded store, with `env` as the environment keys come from. */
export function embeddedKindReconcilers(store: EmbeddedResourceStore, env: NodeJS.ProcessEnv): KindReconciler[] {
  const resources = store as unknown as ResourceStore;
  return [
    new LlmReconciler(resources, { env, permissions: APPLICATION_PERMISSIONS }),
    new ToolReconciler(resources, { permissions: APPLICATION_PERMISSIONS }),
    new AgentReconciler(resources, { env }),
    new WorkflowReconciler(resources),
    new NetworkReconciler(resources, { env }),
    new SystemReconciler(resources),
  ];
}
