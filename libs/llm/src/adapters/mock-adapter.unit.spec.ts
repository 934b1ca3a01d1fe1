import type { ChatRequest } from '../chat-types';
import { collectChunks, providerFailure } from '../testing';
import { MockAdapter } from './mock-adapter';

const adapter = new MockAdapter();
const call = (options?: Record<string, unknown>) => ({ signal: new AbortController().signal, options });
const search: ChatRequest['tools'] = [
  { type: 'function', function: { name: 'search', parameters: { type: 'object', properties: { query: { type: 'string' }, limit: { type: 'integer' } }, required: ['query', 'limit'] } } },
];

describe('mock provider', () => {
  it('echoes the last user message deterministically and counts words as tokens', async () => {
    const request: ChatRequest = { model: 'mock-chat', messages: [{ role: 'system', content: 'be nice' }, { role: 'user', content: 'hello world' }] };
    const first = await adapter.chat(request, call());
    const second = await adapter.chat(request, call());
    expect(first.completion.choices[0].message.content).toBe('[mock:mock-chat] hello world');
    expect(second.completion.choices[0].message.content).toBe(first.completion.choices[0].message.content);
    expect(first.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 });
  });

  it('calls the first tool with arguments from its required properties, then answers after the result', async () => {
    // Given tools and no tool result yet
    const first = await adapter.chat({ model: 'm', tools: search, messages: [{ role: 'user', content: 'find cats' }] }, call());
    const toolCall = first.completion.choices[0].message.tool_calls![0];
    expect(first.completion.choices[0].finish_reason).toBe('tool_calls');
    expect(JSON.parse(toolCall.function.arguments)).toEqual({ query: 'find cats', limit: 1 });
    // When the tool result is in the conversation
    const second = await adapter.chat(
      {
        model: 'm',
        tools: search,
        messages: [
          { role: 'user', content: 'find cats' },
          { role: 'assistant', content: null, tool_calls: [toolCall] },
          { role: 'tool', tool_call_id: toolCall.id, content: '3 cats' },
        ],
      },
      call(),
    );
    // Then it answers in text
    expect(second.completion.choices[0].message.content).toBe('[mock:m] find cats');
  });

  it('cycles scripted responses per assistant turn, tool calls included', async () => {
    const responses = ['first', { tool_calls: [{ name: 'search', arguments: { query: 'q' } }] }];
    const turn = (assistantTurns: number) =>
      adapter.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }, ...Array.from({ length: assistantTurns }, () => ({ role: 'assistant' as const, content: 'a' }))] }, call({ responses }));
    expect((await turn(0)).completion.choices[0].message.content).toBe('first');
    expect((await turn(1)).completion.choices[0].message.tool_calls?.[0].function).toEqual({ name: 'search', arguments: '{"query":"q"}' });
    expect((await turn(2)).completion.choices[0].message.content).toBe('first');
  });

  it('streams the same answer in several chunks ending with usage, tool calls as deltas', async () => {
    const text = await collectChunks(adapter.chatStream({ model: 'm', messages: [{ role: 'user', content: 'one two three' }] }, call()));
    expect(text.filter((c) => c.choices[0]?.delta.content).length).toBeGreaterThan(1);
    expect(text.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('[mock:m] one two three');
    expect(text[text.length - 1].usage?.completion_tokens).toBe(4);
    const tools = await collectChunks(adapter.chatStream({ model: 'm', tools: search, messages: [{ role: 'user', content: 'q' }] }, call()));
    const deltas = tools.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(deltas[0]).toMatchObject({ index: 0, function: { name: 'search' } });
    expect(JSON.parse(deltas.map((d) => d.function?.arguments ?? '').join(''))).toEqual({ query: 'q', limit: 1 });
  });

  it('fails on demand and honours abort during its delay', async () => {
    expect((await providerFailure(adapter.chat({ model: 'm', messages: [] }, call({ failWith: 'rate_limit' })))).kind).toBe('rate_limit');
    const controller = new AbortController();
    const pending = providerFailure(adapter.chat({ model: 'm', messages: [] }, { signal: controller.signal, options: { delayMs: 10_000 } }));
    controller.abort();
    expect((await pending).kind).toBe('cancelled');
  });

  it('embeds deterministically', async () => {
    const a = await adapter.embeddings({ model: 'mock-embedding', input: 'same text' }, call());
    const b = await adapter.embeddings({ model: 'mock-embedding', input: 'same text' }, call());
    expect(a.data[0].embedding).toEqual(b.data[0].embedding);
    expect(a.data[0].embedding).toHaveLength(8);
  });
});
