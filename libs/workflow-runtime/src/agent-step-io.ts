import type { AgentInput, AgentResult } from '@kastra/agent-runtime';

/** A step input as an agent call: a string is the prompt; `{prompt}` / `{messages}` pass through; other JSON is sent as text. */
export function agentInput(input: unknown): AgentInput {
  if (typeof input === 'string') return { prompt: input };
  const record = typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : undefined;
  if (record && Array.isArray(record.messages)) return { messages: record.messages as AgentInput['messages'] };
  if (record && typeof record.prompt === 'string') return { prompt: record.prompt, output: record.output as AgentInput['output'] };
  if (record && typeof record.text === 'string' && Object.keys(record).every((k) => ['text', 'object', 'usage', 'toolCalls'].includes(k))) {
    // An earlier agent step's output: continue from its answer.
    return { prompt: record.text };
  }
  return { prompt: JSON.stringify(input ?? null) };
}

/** What an agent step outputs: its text, usage, structured object and tool calls (each host the same). */
export function agentStepOutput(result: Pick<AgentResult, 'text' | 'usage' | 'object' | 'toolCalls'>): Record<string, unknown> {
  const output: Record<string, unknown> = { text: result.text, usage: result.usage };
  if (result.object !== undefined) output.object = result.object;
  if (result.toolCalls.length > 0) output.toolCalls = result.toolCalls.map(({ name, output: out, error }) => ({ name, output: out, error }));
  return output;
}
