import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runAgent } from './run-agent';
import { StructuredOutputError } from './agent-errors';
import type { AgentEvent } from './agent-run-types';
import { completion, InMemoryAgentMemory, resource, ScriptedLlmClient, staticToolResolver } from './testing-fakes';
import { EgressAllowList, EgressPolicy } from '@kastra/egress';

const adder = resource('Tool', 'adder', {
  description: 'Adds two numbers',
  inputSchema: { type: 'object', required: ['a', 'b'], properties: { a: { type: 'number' }, b: { type: 'number' } } },
  script: { code: 'return { sum: input.a + input.b }' },
});

function agent(spec: Record<string, unknown> = {}) {
  return resource('Agent', 'calc', { instructions: 'You add numbers.', model: { ref: 'mock-llm' }, tools: [{ name: 'add', refName: 'adder' }], ...spec }, 'maths');
}

describe('runAgent', () => {
  it('runs a tool the model asks for and feeds the result back before the answer', async () => {
    // Given a model that asks for add(2, 3), then answers
    const llm = new ScriptedLlmClient([completion({ toolCalls: [{ id: 'c1', name: 'add', args: { a: 2, b: 3 } }] }), completion({ text: 'It is 5.' })]);
    const events: AgentEvent[] = [];

    // When the agent runs
    const result = await runAgent(agent(), { prompt: 'What is 2+3?' }, { llm, tools: staticToolResolver([{ name: 'add', tool: adder }]), user: 'alice', onEvent: (e) => events.push(e) });

    // Then the tool ran, its output went back to the model, and the answer is the final text
    expect(result.text).toBe('It is 5.');
    expect(result.toolCalls).toEqual([{ id: 'c1', name: 'add', step: 1, input: { a: 2, b: 3 }, output: { sum: 5 } }]);
    expect(result.steps).toHaveLength(2);
    expect(result.usage).toEqual({ prompt_tokens: 20, completion_tokens: 10, total_tokens: 30 });
    const [first, second] = llm.requests;
    expect(first.model).toBe('maths.mock-llm');
    expect(first.messages[0]).toEqual({ role: 'system', content: 'You add numbers.' });
    expect(first.tools).toEqual([{ type: 'function', function: { name: 'add', description: 'Adds two numbers', parameters: adder.spec!.inputSchema } }]);
    expect(second.messages.at(-1)).toEqual({ role: 'tool', tool_call_id: 'c1', content: '{"sum":5}' });
    expect(events.map((e) => e.type)).toEqual(['step-start', 'tool-call', 'tool-result', 'step-finish', 'step-start', 'text', 'step-finish', 'finish']);
  });

  it('runs several tool calls of one step in parallel and keeps their order', async () => {
    const slow = resource('Tool', 'slow', { script: { code: 'let x = 0; for (let i = 0; i < 2e6; i++) x += i; return input.tag' } });
    const llm = new ScriptedLlmClient([
      completion({ toolCalls: [{ id: 'a', name: 'slow', args: { tag: 'first' } }, { id: 'b', name: 'slow', args: { tag: 'second' } }] }),
      completion({ text: 'done' }),
    ]);
    const result = await runAgent(agent({ tools: [{ name: 'slow' }] }), { prompt: 'go' }, { llm, tools: staticToolResolver([{ name: 'slow', tool: slow }]), user: 'u' });
    expect(result.toolCalls.map((c) => c.output)).toEqual(['first', 'second']);
    expect(llm.requests[1].messages.slice(-2)).toEqual([
      { role: 'tool', tool_call_id: 'a', content: 'first' },
      { role: 'tool', tool_call_id: 'b', content: 'second' },
    ]);
  });

  it('gives a failing or invalid tool call to the model as an error instead of failing the run', async () => {
    // Given a model that calls add with a missing field, and a tool that does not exist
    const llm = new ScriptedLlmClient([
      completion({ toolCalls: [{ id: 'bad', name: 'add', args: { a: 1 } }, { id: 'ghost', name: 'nope', args: {} }] }),
      completion({ text: 'sorry' }),
    ]);
    const result = await runAgent(agent(), { prompt: 'add' }, { llm, tools: staticToolResolver([{ name: 'add', tool: adder }]), user: 'u' });
    expect(result.text).toBe('sorry');
    expect(result.toolCalls[0].error).toMatchObject({ type: 'ToolInputError' });
    expect(result.toolCalls[0].error!.message).toContain("must have required property 'b'");
    expect(result.toolCalls[1].error).toMatchObject({ type: 'ToolNotFound' });
    const toolMessage = llm.requests[1].messages.find((m) => m.role === 'tool') as { content: string };
    expect(JSON.parse(toolMessage.content).error.type).toBe('ToolInputError');
  });

  it('stops after maxSteps model calls even when the model keeps calling tools', async () => {
    const loop = () => completion({ toolCalls: [{ name: 'add', args: { a: 1, b: 1 } }] });
    const llm = new ScriptedLlmClient([loop, loop, loop, loop]);
    const result = await runAgent(agent({ maxSteps: 2 }), { prompt: 'loop' }, { llm, tools: staticToolResolver([{ name: 'add', tool: adder }]), user: 'u' });
    expect(llm.requests).toHaveLength(2);
    expect(result.finishReason).toBe('max_steps');
    // the second step's calls were not run: no model call would read them
    expect(result.toolCalls).toHaveLength(1);
  });

  it('asks for structured output, validates it, and repairs an invalid answer once', async () => {
    const schema = { type: 'object', required: ['sum'], properties: { sum: { type: 'number' } }, additionalProperties: false };
    const llm = new ScriptedLlmClient([completion({ text: '{"total": 5}' }), completion({ text: '```json\n{"sum": 5}\n```' })]);
    const result = await runAgent(agent({ tools: [] }), { prompt: '2+3', output: { schema } }, { llm, tools: staticToolResolver([]), user: 'u' });
    expect(llm.requests[0].response_format).toEqual({ type: 'json_schema', json_schema: { name: 'output', schema } });
    expect(llm.requests[0].tools).toBeUndefined();
    expect(llm.requests[1].messages.at(-1)).toMatchObject({ role: 'user' });
    expect((llm.requests[1].messages.at(-1) as { content: string }).content).toContain("must have required property 'sum'");
    expect(result.object).toEqual({ sum: 5 });
  });

  it('fails with StructuredOutputError when the repair is invalid too', async () => {
    const llm = new ScriptedLlmClient([completion({ text: 'five' }), completion({ text: 'still five' })]);
    await expect(
      runAgent(agent({ tools: [] }), { prompt: '2+3', output: { schema: { type: 'object' } } }, { llm, tools: staticToolResolver([]), user: 'u' }),
    ).rejects.toBeInstanceOf(StructuredOutputError);
    expect(llm.requests).toHaveLength(2);
  });

  it('remembers a thread across calls, sending only the last N messages', async () => {
    const memory = new InMemoryAgentMemory();
    const withMemory = agent({ tools: [], memory: { enabled: true, lastMessages: 2 } });
    const llm = new ScriptedLlmClient([completion({ text: 'Hi Ann' }), completion({ text: 'Your name is Ann' })]);
    const deps = { llm, tools: staticToolResolver([]), memory, user: 'u' };
    await runAgent(withMemory, { prompt: 'I am Ann', threadId: 't1' }, deps);
    await runAgent(withMemory, { prompt: 'Who am I?', threadId: 't1' }, deps);
    expect(llm.requests[1].messages).toEqual([
      { role: 'system', content: 'You add numbers.' },
      { role: 'user', content: 'I am Ann' },
      { role: 'assistant', content: 'Hi Ann' },
      { role: 'user', content: 'Who am I?' },
    ]);
    // another thread starts empty
    const other = new ScriptedLlmClient([completion({ text: '?' })]);
    await runAgent(withMemory, { prompt: 'Who am I?', threadId: 't2' }, { ...deps, llm: other });
    expect(other.requests[0].messages).toHaveLength(2);
  });

  it('gives each tool call an idempotency key derived from the call key, the step and its index', async () => {
    // Given an http tool on a local server that records Idempotency-Key headers
    const keys: Array<string | undefined> = [];
    const server = createServer((req, res) => {
      keys.push(req.headers['idempotency-key'] as string | undefined);
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const url = `http://127.0.0.1:${port}/hook`;
    // The operator opened this test server's port (KASTRA_EGRESS_ALLOW).
    const egress = { policy: new EgressPolicy(new EgressAllowList(`127.0.0.1:${port}`)) };
    try {
      const hook = resource('Tool', 'hook', { http: { url } });
      const llm = new ScriptedLlmClient([
        completion({ toolCalls: [{ name: 'hook', args: { n: 1 } }] }),
        completion({ toolCalls: [{ name: 'hook', args: { n: 2 } }, { name: 'hook', args: { n: 3 } }] }),
        completion({ text: 'ok' }),
      ]);
      // When the agent runs as part of a workflow step with key run-1:step-a
      await runAgent(agent({ tools: [{ name: 'hook' }] }), { prompt: 'go' }, { llm, tools: staticToolResolver([{ name: 'hook', tool: hook }], {}, egress), user: 'u', idempotencyKey: 'run-1:step-a', runUid: 'run-1' });
      // Then every tool call carried a key of its own, stable for a re-run of the same step
      expect(keys.sort()).toEqual(['run-1:step-a:1:0', 'run-1:step-a:2:0', 'run-1:step-a:2:1']);
      // And every model call a key of its own too, with the run it is made for
      expect(llm.options).toEqual([1, 2, 3].map((step) => ({ user: 'u', idempotencyKey: `run-1:step-a:model:${step}`, runUid: 'run-1' })));
    } finally {
      server.close();
    }
  });

  it('rejects an agent without a model or a call without input', async () => {
    const llm = new ScriptedLlmClient([]);
    await expect(runAgent(resource('Agent', 'x', { instructions: 'i' }), { prompt: 'p' }, { llm, tools: staticToolResolver([]), user: 'u' })).rejects.toThrow(/has no model/);
    await expect(runAgent(agent(), {}, { llm, tools: staticToolResolver([]), user: 'u' })).rejects.toThrow(/give a prompt or messages/);
  });

  it('uses provider/name for an inline model', async () => {
    const llm = new ScriptedLlmClient([completion({ text: 'ok' })]);
    await runAgent(agent({ model: { provider: 'openai', name: 'gpt-4o' }, tools: [] }), { prompt: 'p' }, { llm, tools: staticToolResolver([]), user: 'u' });
    expect(llm.requests[0].model).toBe('openai/gpt-4o');
  });
});
