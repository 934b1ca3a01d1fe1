import { ApiError, BadRequestError, type StatusReason } from '@kastra/api';
import { AgentConfigurationError, LlmCallError, StructuredOutputError } from '@kastra/agent-runtime';

/** The model could not be reached or refused: the llm-proxy's status is passed on. */
export class ModelCallFailedError extends ApiError {
  override readonly name = 'ModelCallFailedError';
  readonly reason: StatusReason = 'InternalError';
  constructor(readonly httpStatus: number, message: string) {
    super(message);
  }
}

/** The errors of an agent call as typed API errors (others stay unexpected: 500). */
export function agentCallError(error: unknown): unknown {
  if (error instanceof LlmCallError) {
    // 4xx from the proxy other than 429 are about our request or key: a bad gateway for the caller.
    const status = error.status === 429 || error.status >= 500 ? error.status : 502;
    return new ModelCallFailedError(status, `model call failed (${error.type}): ${error.message}`);
  }
  if (error instanceof StructuredOutputError) return new ModelCallFailedError(502, error.message);
  if (error instanceof AgentConfigurationError) return new BadRequestError(error.message);
  return error;
}
