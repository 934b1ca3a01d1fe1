export { RuntimeManager, loadFromFile, loadFromString, type RuntimeManagerOptions } from './runtime/runtime-manager';
export type {
  AgentCall,
  AgentToolCallRecord,
  TokenUsage,
  AgentAnswer,
  AgentStreamEvent,
  AgentHandle,
  ExecuteOptions,
  WorkflowResult,
  RunEventRecord,
  WorkflowHandle,
  NetworkResult,
  NetworkCallOptions,
  NetworkHandle,
  ToolHandle,
  ResourceWatch,
  WatchEventType,
  WatchHandler,
} from './runtime/runtime-handles';
export * from './errors';
export * from './resources';
export { EventBus, type Subscription, type EventHandler } from './events/event-bus';
export type { Controller, ControllerContext } from './controllers/controller';
export { AbstractController } from './controllers/abstract-controller';
export { parseManifests } from './manifests/parse-manifests';
export {
  yamlToMastraLLM,
  languageModelOf,
  KastraLanguageModel,
  ModelUnavailableError,
  type LanguageModelOptions,
  type EmbeddedModelOptions,
  type YamlToMastraLLMOptions,
  type LanguageModelMode,
  type LanguageModelClient,
  type LlmProxyConnection,
  type SecretKeyReference,
  type SecretResolver,
} from './language-model';
// Controllers of your own kinds, run as processes against a cluster (plugins): the reconcile
// machinery the controller-manager runs on — docs/extending.md, "Plugins in TypeScript".
export {
  createController,
  readyStatus,
  statusWithCondition,
  jsonLineLogger,
  ApiRequestError,
  type Controller as ClusterController,
  type ControllerOptions,
  type ReconcileRequest,
  type ReconcileResult,
  type KindLocation,
  type ApiConnection,
  type ConditionReport,
  type ControllerLogger,
} from '@kastra/controller-runtime';
