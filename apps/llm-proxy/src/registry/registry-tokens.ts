/** Name of the registry's own TypeORM data source (the proxy may have others). */
export const REGISTRY_DATA_SOURCE = 'llm-registry';
/** Injection token of the SecretCipher that encrypts keys at rest. */
export const REGISTRY_CIPHER = 'LLM_REGISTRY_CIPHER';
/** Injection token of the environment keys are read from (`${ENV}` references, provider env vars). */
export const REGISTRY_ENV = 'LLM_REGISTRY_ENV';
/**
 * Injection token of the PrivateEgressResolver that says whether an LLM resource may call a base
 * URL on a private address (its last writer has `egress-private`; RegistryModule binds it to
 * RegistryResourceAccess). Unbound: none may.
 */
export const REGISTRY_PRIVATE_EGRESS = 'LLM_REGISTRY_PRIVATE_EGRESS';
