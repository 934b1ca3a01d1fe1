import type { Controller } from '../controllers/controller';
import type { KastraLanguageModel } from '../language-model/kastra-language-model';
import type { RuntimeResource } from '../resources/runtime-resource';
import type { AgentHandle, NetworkHandle, ResourceWatch, ToolHandle, WatchHandler, WorkflowHandle } from './runtime-handles';

/** A resource's identity as the runtime's methods take it. */
export interface ResourceName {
  kind: string;
  namespace: string;
  name: string;
}

/** What RuntimeManager delegates to: the embedded runtime (this process) or a cluster's gateway. */
export interface RuntimeBackend {
  readonly mode: 'embedded' | 'connected';
  /** Validates and applies the resources in order; all or (embedded) none are stored when one is invalid. */
  apply(resources: RuntimeResource[]): Promise<RuntimeResource[]>;
  delete(key: ResourceName): Promise<void>;
  get(key: ResourceName): Promise<RuntimeResource | undefined>;
  list(kind: string, namespace?: string): Promise<RuntimeResource[]>;
  watch(kind: string, namespace: string | undefined, handler: WatchHandler): ResourceWatch;
  llm(key: ResourceName): KastraLanguageModel;
  agent(key: ResourceName): AgentHandle;
  tool(key: ResourceName): ToolHandle;
  workflow(key: ResourceName): WorkflowHandle;
  network(key: ResourceName): NetworkHandle;
  registerController(kind: string, controller: Controller): void;
  /** Resolves when the runtime can be used (an embedded one on Postgres has read its store back). */
  ready(): Promise<void>;
  close(): Promise<void>;
}
