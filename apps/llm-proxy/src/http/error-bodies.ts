import { HttpException } from '@nestjs/common';
import { ApiError } from '@kastra/api';
import { LlmCallError, toLlmCallError } from '../calls/llm-call-error';

/** Any error thrown while serving a request, as an LlmCallError (Nest's body-parser errors included). */
export function callErrorOf(exception: unknown): LlmCallError {
  if (exception instanceof HttpException && !(exception instanceof ApiError)) {
    const status = exception.getStatus();
    return new LlmCallError(status, status === 413 ? 'invalid_request' : status < 500 ? 'invalid_request' : 'internal', exception.message);
  }
  if (exception instanceof ApiError && (exception.httpStatus === 401 || exception.httpStatus === 403)) {
    return new LlmCallError(exception.httpStatus, 'invalid_request', exception.message);
  }
  return toLlmCallError(exception);
}

function openAiType(error: LlmCallError): string {
  if (error.status === 401) return 'authentication_error';
  if (error.status === 403) return 'permission_error';
  if (error.status === 404) return 'invalid_request_error';
  if (error.status === 429) return 'rate_limit_error';
  if (error.status === 504) return 'timeout_error';
  return error.status < 500 ? 'invalid_request_error' : 'api_error';
}

/** `{error: {message, type, param, code}}` as the OpenAI API answers. */
export function openAiErrorBody(error: LlmCallError): { error: { message: string; type: string; param: null; code: string } } {
  const code = error.status === 401 ? 'invalid_api_key' : error.type === 'rate_limited' ? 'rate_limit_exceeded' : error.type;
  return { error: { message: error.message, type: openAiType(error), param: null, code } };
}

function anthropicType(error: LlmCallError): string {
  if (error.status === 401) return 'authentication_error';
  if (error.status === 403) return 'permission_error';
  if (error.status === 404) return 'not_found_error';
  if (error.status === 429) return 'rate_limit_error';
  if (error.status === 504) return 'timeout_error';
  if (error.status === 503) return 'overloaded_error';
  return error.status < 500 ? 'invalid_request_error' : 'api_error';
}

/** `{type: 'error', error: {type, message}}` as the Anthropic API answers. */
export function anthropicErrorBody(error: LlmCallError): { type: 'error'; error: { type: string; message: string } } {
  return { type: 'error', error: { type: anthropicType(error), message: error.message } };
}
