import type { ChatCompletion, ChatCompletionChunk } from '@kastra/llm';
import { LlmCallError } from '../calls/llm-call-error';
import { anthropicUsage, completionToAnthropicMessage } from './anthropic-message';
import { anthropicToChatRequest } from './anthropic-request';
import { AnthropicStreamTranslator } from './anthropic-stream-translator';

const chunk = (delta: ChatCompletionChunk['choices'][0]['delta'], finish: ChatCompletionChunk['choices'][0]['finish_reason'] = null, usage?: ChatCompletionChunk['usage']): ChatCompletionChunk => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 0,
  model: 'm',
  choices: usage && !delta ? [] : [{ index: 0, delta: delta ?? {}, finish_reason: finish }],
  ...(usage ? { usage } : {}),
});

describe('anthropicToChatRequest (the proxy /v1/messages body -> the OpenAI chat request)', () => {
  it('given system, text, image, tool_use and tool_result blocks, then maps each to its OpenAI message', () => {
    const request = anthropicToChatRequest({
      model: 'claude-x',
      max_tokens: 256,
      system: [{ type: 'text', text: 'be brief' }, { type: 'text', text: 'be kind' }],
      temperature: 0.3,
      stop_sequences: ['END'],
      metadata: { user_id: 'u-1' },
      tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', required: ['city'] } }],
      tool_choice: { type: 'tool', name: 'get_weather' },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'rain' }], is_error: true }, { type: 'text', text: 'and now?' }] },
      ],
    });
    expect(request).toEqual({
      model: 'claude-x',
      max_tokens: 256,
      stream: false,
      temperature: 0.3,
      stop: ['END'],
      user: 'u-1',
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', required: ['city'] } } }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      messages: [
        { role: 'system', content: 'be brief\nbe kind' },
        { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'Error: rain' },
        { role: 'user', content: 'and now?' },
      ],
    });
  });

  it('maps tool_choice any/auto/none and stream', () => {
    const base = { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] };
    expect(anthropicToChatRequest({ ...base, tool_choice: { type: 'any' }, stream: true })).toMatchObject({ tool_choice: 'required', stream: true });
    expect(anthropicToChatRequest({ ...base, tool_choice: { type: 'auto' } }).tool_choice).toBe('auto');
    expect(anthropicToChatRequest({ ...base, tool_choice: { type: 'none' } }).tool_choice).toBe('none');
  });

  it.each([
    ['a non-object body', [1], 'JSON object'],
    ['no model', { max_tokens: 1, messages: [{ role: 'user', content: 'x' }] }, 'model'],
    ['no max_tokens (required by Anthropic)', { model: 'm', messages: [{ role: 'user', content: 'x' }] }, 'max_tokens'],
    ['max_tokens 0', { model: 'm', max_tokens: 0, messages: [{ role: 'user', content: 'x' }] }, 'max_tokens'],
    ['empty messages', { model: 'm', max_tokens: 1, messages: [] }, 'messages'],
    ['a system role inside messages', { model: 'm', max_tokens: 1, messages: [{ role: 'system', content: 'x' }] }, 'messages[0].role'],
    ['an unknown block type', { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: [{ type: 'audio' }] }] }, 'messages[0].content[0].type'],
    ['an image without a source', { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: [{ type: 'image' }] }] }, 'messages[0].content[0].source'],
    ['a bad tool_choice', { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }], tool_choice: { type: 'sometimes' } }, 'tool_choice'],
    ['a tool without name', { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }], tools: [{}] }, 'tools[0].name'],
  ])('given %s, then a 400 invalid_request naming the field', (_, body, field) => {
    let error: unknown;
    try {
      anthropicToChatRequest(body);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LlmCallError);
    expect(error).toMatchObject({ status: 400, type: 'invalid_request', message: expect.stringContaining(field) });
  });
});

describe('completionToAnthropicMessage', () => {
  it('given text and tool calls with cached usage, then content blocks, tool_use stop and Anthropic usage (cache apart)', () => {
    const completion: ChatCompletion = {
      id: 'chatcmpl-9',
      object: 'chat.completion',
      created: 0,
      model: 'm',
      choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: 'checking', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }, { id: 'c2', type: 'function', function: { name: 'g', arguments: 'not json' } }] } }],
      usage: { prompt_tokens: 100, completion_tokens: 7, total_tokens: 107, prompt_tokens_details: { cached_tokens: 60 }, cache_creation_tokens: 10 },
    } as ChatCompletion;
    expect(completionToAnthropicMessage(completion, 'claude-x')).toEqual({
      id: 'msg_chatcmpl-9',
      type: 'message',
      role: 'assistant',
      model: 'claude-x',
      content: [
        { type: 'text', text: 'checking' },
        { type: 'tool_use', id: 'c1', name: 'f', input: { a: 1 } },
        { type: 'tool_use', id: 'c2', name: 'g', input: { _raw: 'not json' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 30, output_tokens: 7, cache_read_input_tokens: 60, cache_creation_input_tokens: 10 },
    });
  });

  it('given no usage, then zeros, never negative', () => {
    expect(anthropicUsage(undefined)).toEqual({ input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
    expect(anthropicUsage({ prompt_tokens: 5, completion_tokens: 1, total_tokens: 6, prompt_tokens_details: { cached_tokens: 9 } }).input_tokens).toBe(0);
  });
});

describe('AnthropicStreamTranslator (OpenAI chunks -> Anthropic SSE events)', () => {
  it('given text then two streamed tool calls, then message_start, one block per run and the closing events only on finish', () => {
    const translator = new AnthropicStreamTranslator('claude-x', 42);
    const events = [
      ...translator.push(chunk({ role: 'assistant', content: '' })),
      ...translator.push(chunk({ content: 'Hel' })),
      ...translator.push(chunk({ content: 'lo' })),
      ...translator.push(chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'f', arguments: '' } }] })),
      ...translator.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"x":' } }] })),
      ...translator.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] })),
      ...translator.push(chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'g', arguments: '{}' } }] })),
      ...translator.push(chunk({}, 'tool_calls')),
    ];
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start', 'content_block_delta', 'content_block_delta',
      'content_block_stop', 'content_block_start', 'content_block_delta', 'content_block_delta',
      'content_block_stop', 'content_block_start', 'content_block_delta',
    ]);
    expect(events[0].data).toMatchObject({ message: { id: 'msg_chatcmpl-1', model: 'claude-x', role: 'assistant', usage: { input_tokens: 42, output_tokens: 0 } } });
    expect(events[1].data).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    expect(events[2].data).toEqual({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } });
    expect(events[5].data).toEqual({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_a', name: 'f', input: {} } });
    expect(events.slice(6, 8).map((e) => (e.data.delta as { partial_json: string }).partial_json).join('')).toBe('{"x":1}');
    expect(events[9].data).toMatchObject({ index: 2, content_block: { id: 'call_b', name: 'g' } });
    // The usage-only last chunk adds no events; finish closes the block and reports it
    expect(translator.push(chunk(undefined as never, null, { prompt_tokens: 50, completion_tokens: 12, total_tokens: 62 }))).toEqual([]);
    const closing = translator.finish();
    expect(closing).toEqual([
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 2 } },
      { event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { input_tokens: 50, output_tokens: 12, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 } } },
      { event: 'message_stop', data: { type: 'message_stop' } },
    ]);
  });

  it('given a stream cut after some text, then no message_delta/message_stop has been produced (the controller sends an error event)', () => {
    const translator = new AnthropicStreamTranslator('m', 1);
    const events = [...translator.push(chunk({ content: 'partial' }))];
    expect(events.map((e) => e.event)).toEqual(['message_start', 'content_block_start', 'content_block_delta']);
    expect(events.some((e) => e.event === 'message_stop' || e.event === 'message_delta')).toBe(false);
  });

  it('maps length to max_tokens', () => {
    const translator = new AnthropicStreamTranslator('m', 1);
    translator.push(chunk({ content: 'a' }, 'length'));
    expect(translator.finish()[1].data).toMatchObject({ delta: { stop_reason: 'max_tokens' } });
  });
});
