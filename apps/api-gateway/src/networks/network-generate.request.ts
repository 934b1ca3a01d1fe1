import { InvalidError, THREAD_ID_PATTERN, type FieldCause } from '@kastra/api';

/** The body of `POST .../networks/NAME/generate`. */
export interface NetworkGenerateRequest {
  /** The task (the NetworkRun's spec.message). */
  message: string;
  threadId?: string;
  maxSteps?: number;
}

const FIELDS = ['message', 'threadId', 'maxSteps'];
const THREAD_ID = new RegExp(THREAD_ID_PATTERN);

/**
 * Checks a generate body `{message, threadId?, maxSteps?}`: InvalidError (422) naming every bad
 * field, as the apiserver answers an invalid object.
 */
export function parseNetworkGenerateRequest(network: string, body: Record<string, unknown>): NetworkGenerateRequest {
  const causes: FieldCause[] = [];
  for (const field of Object.keys(body)) {
    if (!FIELDS.includes(field)) causes.push({ reason: 'FieldValueInvalid', field, message: `unknown field "${field}": expected message, threadId or maxSteps` });
  }
  const { message, threadId, maxSteps } = body;
  if (message === undefined) causes.push({ reason: 'FieldValueRequired', field: 'message', message: 'Required value: the task for the network' });
  else if (typeof message !== 'string' || message.trim() === '') causes.push({ reason: 'FieldValueInvalid', field: 'message', message: 'must be a non-empty string' });
  if (threadId !== undefined && (typeof threadId !== 'string' || !THREAD_ID.test(threadId))) {
    causes.push({ reason: 'FieldValueInvalid', field: 'threadId', message: 'must be 1-200 characters of letters, digits, ".", "_" or "-"' });
  }
  if (maxSteps !== undefined && (typeof maxSteps !== 'number' || !Number.isInteger(maxSteps) || maxSteps < 1)) {
    causes.push({ reason: 'FieldValueInvalid', field: 'maxSteps', message: 'must be a whole number of at least 1' });
  }
  if (causes.length > 0) throw new InvalidError('Network', network, causes);
  return {
    message: message as string,
    ...(threadId !== undefined ? { threadId: threadId as string } : {}),
    ...(maxSteps !== undefined ? { maxSteps: maxSteps as number } : {}),
  };
}
