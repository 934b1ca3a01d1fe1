import type { AgentAnswer, AgentCall } from './runtime-handles';

/** `generate('text')` is `{prompt: 'text'}`; a call object is checked as the gateway checks a generate body. */
export function agentInputOf(input: string | AgentCall): AgentCall {
  if (typeof input === 'string') {
    if (input === '') throw new TypeError('give a prompt (a non-empty string) or {prompt} / {messages}');
    return { prompt: input };
  }
  if (!input || (typeof input.prompt !== 'string' && !Array.isArray(input.messages))) throw new TypeError('give a prompt (a non-empty string) or {prompt} / {messages}');
  return input;
}

/** The answer of an agent call: text, object (structured output), tool calls, usage and steps. */
export function agentAnswerOf(result: { text: string; object?: unknown; toolCalls: AgentAnswer['toolCalls']; usage: AgentAnswer['usage']; steps?: unknown[] }): AgentAnswer {
  return {
    text: result.text,
    ...(result.object !== undefined ? { object: result.object } : {}),
    toolCalls: result.toolCalls,
    usage: result.usage,
    ...(result.steps ? { steps: result.steps } : {}),
  };
}
