/**
 * An LLM that cannot be called from this process: no usable key is at hand (a `${VAR}` that is
 * unset or not allowed, a `secretRef` without a resolver, no provider default key), or its
 * provider has no endpoint it could call. The message names variables, Secrets and fields —
 * never a key.
 */
export class ModelUnavailableError extends Error {
  override readonly name = 'ModelUnavailableError';

  constructor(
    /** `namespace.name` of the LLM. */
    readonly llm: string,
    reason: string,
  ) {
    super(`LLM ${llm} cannot be called: ${reason}`);
  }
}
