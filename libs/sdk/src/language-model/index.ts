export { yamlToMastraLLM, languageModelOf, type LanguageModelOptions, type EmbeddedModelOptions, type YamlToMastraLLMOptions } from './yaml-to-mastra-llm';
export { KastraLanguageModel, type LanguageModelMode } from './kastra-language-model';
export type { LanguageModelClient } from './provider-binding';
export type { LlmProxyConnection } from './connected-provider-binding';
export type { SecretKeyReference, SecretResolver } from './embedded-api-key';
export { ValidationError } from './validation-error';
export { ModelUnavailableError } from './model-unavailable-error';
