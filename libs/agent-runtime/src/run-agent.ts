import type { Resource } from '@kastra/api';
import { AgentCancelledError, AgentConfigurationError, StructuredOutputError } from './agent-errors';
import { agentModelHandle } from './agent-model-handle';
import { agentToolFunctions } from './agent-tool-functions';
import type { MemoryThread } from './agent-memory';
import type { AgentDeps, AgentInput, AgentResult, AgentStep, AgentToolCall } from './agent-run-types';
import type { ChatCompletion, ChatMessage, ChatRequest, ChatToolCall, Usage } from './chat-types';
import { executeTool } from './execute-tool';
import { LlmCallError } from './llm-client';
import { parseStructuredOutput } from './structured-output';
import { toolErrorPayload } from './tool-errors';
import type { AgentTool } from './tool-resolver';

/** Model calls per agent call when spec.maxSteps is unset. */
export const DEFAULT_MAX_STEPS = 5;
/** Memory messages sent with each call when spec.memory.lastMessages is unset. */
export const DEFAULT_LAST_MESSAGES = 10;

interface AgentSpec {
  instructions: string;
  maxSteps?: number;
  memory?: { enabled?: boolean; lastMessages?: number };
}

/**
 * Runs an Agent: the model loop with tool calling. Each model call may ask for tools; they run
 * (in parallel) and their results go back as tool messages, until the model answers without
 * tool calls or `maxSteps` model calls were made. A failing tool does not fail the call: the
 * model sees `{"error": ...}` and may recover.
 */
export async function runAgent(agent: Resource, input: AgentInput, deps: AgentDeps): Promise<AgentResult> {
  const spec = (agent.spec ?? {}) as unknown as AgentSpec;
  const namespace = agent.metadata.namespace ?? 'default';
  const label = `${namespace}.${agent.metadata.name}`;
  const model = agentModelHandle(agent);
  const maxSteps = spec.maxSteps ?? DEFAULT_MAX_STEPS;

  const newMessages: ChatMessage[] = [...(input.messages ?? [])];
  if (input.prompt !== undefined) newMessages.push({ role: 'user', content: input.prompt });
  if (newMessages.length === 0) throw new AgentConfigurationError(label, `agent ${label}: give a prompt or messages`);

  const own = await deps.tools.toolsOf(agent);
  const tools = [...own, ...(deps.extraTools ?? []).filter((extra) => !own.some((tool) => tool.name === extra.name))];
  const functions = await agentToolFunctions(tools, {
    signal: deps.signal,
    timeoutMs: deps.toolTimeoutMs,
    secrets: deps.tools.secrets,
    secretAllowed: deps.tools.secretAllowed,
    egress: deps.tools.egress,
  });

  const thread: MemoryThread | undefined =
    spec.memory?.enabled && input.threadId && deps.memory ? { namespace, agent: agent.metadata.name, threadId: input.threadId } : undefined;
  const history = thread ? await deps.memory!.read(thread, spec.memory?.lastMessages ?? DEFAULT_LAST_MESSAGES) : [];

  const messages: ChatMessage[] = [{ role: 'system', content: spec.instructions }, ...history, ...newMessages];
  const request = (): ChatRequest => ({
    model,
    messages: [...messages],
    ...(functions.length > 0 ? { tools: functions } : {}),
    ...(input.output
      ? { response_format: { type: 'json_schema' as const, json_schema: { name: input.output.name ?? 'output', schema: input.output.schema } } }
      : {}),
  });

  const steps: AgentStep[] = [];
  const toolCalls: AgentToolCall[] = [];
  const usage: Usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  const emit = deps.onEvent ?? (() => undefined);
  let text = '';
  let finishReason = 'stop';

  const callModel = async (step: number): Promise<{ text: string; calls: ChatToolCall[]; finish: string | null; used: Usage }> => {
    if (deps.signal?.aborted) throw new AgentCancelledError(label);
    emit({ type: 'step-start', step });
    const completion = await deps.llm.chat(request(), {
      user: deps.user,
      signal: deps.signal,
      ...(deps.idempotencyKey ? { idempotencyKey: `${deps.idempotencyKey}:model:${step}` } : {}),
      ...(deps.runUid ? { runUid: deps.runUid } : {}),
    });
    const choice = firstChoice(completion);
    const used = usageOf(completion);
    usage.prompt_tokens += used.prompt_tokens;
    usage.completion_tokens += used.completion_tokens;
    usage.total_tokens += used.total_tokens;
    const calls = choice.message.tool_calls ?? [];
    messages.push({ role: 'assistant', content: choice.message.content, ...(calls.length > 0 ? { tool_calls: calls } : {}) });
    const stepText = choice.message.content ?? '';
    if (stepText) emit({ type: 'text', step, text: stepText });
    return { text: stepText, calls, finish: choice.finish_reason, used };
  };

  for (let step = 1; ; step++) {
    const answer = await callModel(step);
    text = answer.text;
    const record: AgentStep = { step, text: answer.text, finishReason: answer.finish, toolCalls: [], usage: answer.used };
    steps.push(record);
    if (answer.calls.length > 0 && step >= maxSteps) {
      // The cap counts model calls: running tools whose results no model call will read is waste.
      finishReason = 'max_steps';
      emit({ type: 'step-finish', step, finishReason: answer.finish, usage: answer.used });
      break;
    }
    if (answer.calls.length > 0) {
      const results = await Promise.all(answer.calls.map((call, index) => runToolCall(call, index, step, tools, deps)));
      for (const result of results) {
        record.toolCalls.push(result);
        toolCalls.push(result);
        const content = result.error ? JSON.stringify({ error: result.error }) : stringifyOutput(result.output);
        messages.push({ role: 'tool', tool_call_id: result.id, content });
      }
      emit({ type: 'step-finish', step, finishReason: answer.finish, usage: answer.used });
      continue;
    }
    emit({ type: 'step-finish', step, finishReason: answer.finish, usage: answer.used });
    break;
  }

  let object: unknown;
  if (input.output && finishReason === 'stop') {
    let parsed = parseStructuredOutput(input.output.schema, text);
    if (!parsed.ok) {
      // One repair attempt: tell the model exactly what was wrong.
      messages.push({
        role: 'user',
        content: `Your answer is not valid: ${parsed.problems.join('; ')}. Reply with only a JSON value that conforms to the requested schema.`,
      });
      const step = steps.length + 1;
      const repair = await callModel(step);
      steps.push({ step, text: repair.text, finishReason: repair.finish, toolCalls: [], usage: repair.used });
      emit({ type: 'step-finish', step, finishReason: repair.finish, usage: repair.used });
      text = repair.text;
      parsed = parseStructuredOutput(input.output.schema, text);
      if (!parsed.ok) throw new StructuredOutputError(label, text, parsed.problems);
    }
    object = parsed.value;
  }

  if (thread) {
    // Only the exchange is remembered (new messages and the final answer), not tool traffic: a
    // window of the last N messages must never start inside a tool-call/tool-result pair.
    await deps.memory!.append(thread, [...newMessages, { role: 'assistant', content: text }]);
  }

  const result: AgentResult = { text, ...(object !== undefined ? { object } : {}), messages, steps, usage, toolCalls, finishReason };
  emit({ type: 'finish', result: { text, ...(object !== undefined ? { object } : {}), steps, usage, toolCalls, finishReason } });
  return result;
}

async function runToolCall(call: ChatToolCall, index: number, step: number, tools: AgentTool[], deps: AgentDeps): Promise<AgentToolCall> {
  const emit = deps.onEvent ?? (() => undefined);
  const base = { id: call.id, name: call.function.name, step };
  let input: unknown;
  try {
    input = call.function.arguments ? JSON.parse(call.function.arguments) : {};
  } catch {
    const error = { type: 'ToolInputError', message: `arguments of ${call.function.name} are not JSON` };
    emit({ type: 'tool-call', ...base, input: call.function.arguments });
    emit({ type: 'tool-result', ...base, error });
    return { ...base, input: call.function.arguments, error };
  }
  emit({ type: 'tool-call', ...base, input });
  const found = tools.find((entry) => entry.name === call.function.name);
  if (!found) {
    const error = { type: 'ToolNotFound', message: `no tool named ${call.function.name}; available: ${tools.map((t) => t.name).join(', ') || 'none'}` };
    emit({ type: 'tool-result', ...base, error });
    return { ...base, input, error };
  }
  try {
    const output = await executeTool(found.tool, input, {
      signal: deps.signal,
      idempotencyKey: deps.idempotencyKey ? `${deps.idempotencyKey}:${step}:${index}` : undefined,
      secrets: deps.tools.secrets,
      secretAllowed: deps.tools.secretAllowed,
      egress: deps.tools.egress,
      timeoutMs: deps.toolTimeoutMs,
      ...(deps.network ? { network: deps.network } : {}),
    });
    emit({ type: 'tool-result', ...base, output });
    return { ...base, input, output };
  } catch (failure) {
    const { error } = toolErrorPayload(failure);
    emit({ type: 'tool-result', ...base, error });
    return { ...base, input, error };
  }
}

function firstChoice(completion: ChatCompletion): ChatCompletion['choices'][number] {
  const choice = completion?.choices?.[0];
  if (!choice?.message) throw new LlmCallError(502, 'malformed', 'model answered without a choice');
  return choice;
}

function usageOf(completion: ChatCompletion): Usage {
  const usage = completion.usage;
  return { prompt_tokens: usage?.prompt_tokens ?? 0, completion_tokens: usage?.completion_tokens ?? 0, total_tokens: usage?.total_tokens ?? 0 };
}

function stringifyOutput(output: unknown): string {
  if (typeof output === 'string') return output;
  return JSON.stringify(output ?? null);
}
