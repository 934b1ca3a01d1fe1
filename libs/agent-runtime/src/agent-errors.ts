/** The Agent cannot be run as specified (no model, no input, a tool missing). */
export class AgentConfigurationError extends Error {
  override readonly name = 'AgentConfigurationError';
  constructor(readonly agent: string, message: string) {
    super(message);
  }
}

/** Structured output was asked and the model's answer did not conform, even after one repair. */
export class StructuredOutputError extends Error {
  override readonly name = 'StructuredOutputError';
  constructor(readonly agent: string, readonly text: string, readonly problems: string[]) {
    super(`agent ${agent}: answer is not valid structured output: ${problems.join('; ')}`);
  }
}

/** The call was cancelled through its AbortSignal. */
export class AgentCancelledError extends Error {
  override readonly name = 'AgentCancelledError';
  constructor(readonly agent: string) {
    super(`agent ${agent}: cancelled`);
  }
}
