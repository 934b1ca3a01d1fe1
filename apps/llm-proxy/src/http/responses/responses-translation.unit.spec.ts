import type { ChatCompletionChunk } from '@kastra/llm';
import { LlmCallError } from '../../calls/llm-call-error';
import { completionToResponse } from './responses-output';
import { parseResponsesRequest } from './responses-request';
import { ResponsesStreamTranslator } from './responses-stream-translator';

const chunk = (delta: ChatCompletionChunk['choices'][0]['delta'], finish: ChatCompletionChunk['choices'][0]['finish_reason'] = null): ChatCompletionChunk => ({
  id: 'c',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

function refusal(body: unknown): string {
  try {
    parseResponsesRequest(body);
  } catch (error) {
    expect(error).toBeInstanceOf(LlmCallError);
    expect((error as LlmCallError).status).toBe(400);
    return (error as Error).message;
  }
  throw new Error('the body was accepted');
}

describe('Responses API translation', () => {
  it('turns input items into chat messages: images, developer text, parallel function calls joined in one assistant turn', () => {
    const { chat } = parseResponsesRequest({
      model: 'm',
      instructions: 'sys',
      input: [
        { role: 'developer', content: [{ type: 'input_text', text: 'dev' }] },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'look' }, { type: 'input_image', image_url: 'data:image/png;base64,AA==', detail: 'low' }] },
        { type: 'function_call', call_id: 'a', name: 'f', arguments: '{}' },
        { type: 'function_call', call_id: 'b', name: 'g', arguments: '{"x":1}' },
        { type: 'function_call_output', call_id: 'a', output: 'A' },
        { type: 'function_call_output', call_id: 'b', output: [{ type: 'input_text', text: 'B' }] },
        { type: 'reasoning', id: 'rs_1', summary: [] },
      ],
      tool_choice: { type: 'function', name: 'f' },
      tools: [{ type: 'function', name: 'f' }],
    });
    expect(chat.messages).toEqual([
      { role: 'system', content: 'sys' },
      { role: 'developer', content: 'dev' },
      { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AA==', detail: 'low' } }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } }, { id: 'b', type: 'function', function: { name: 'g', arguments: '{"x":1}' } }] },
      { role: 'tool', tool_call_id: 'a', content: 'A' },
      { role: 'tool', tool_call_id: 'b', content: 'B' },
    ]);
    expect(chat.tools).toEqual([{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }]);
    expect(chat.tool_choice).toEqual({ type: 'function', function: { name: 'f' } });
  });

  it('sends a turn\'s text and its function calls as one assistant message', () => {
    const { chat } = parseResponsesRequest({
      model: 'm',
      input: [
        { role: 'user', content: 'q' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'let me look' }] },
        { type: 'function_call', call_id: 'a', name: 'f', arguments: '{}' },
        { type: 'function_call_output', call_id: 'a', output: 'A' },
      ],
    });
    expect(chat.messages[1]).toEqual({ role: 'assistant', content: 'let me look', tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } }] });
    expect(chat.messages).toHaveLength(3);
  });

  it('refuses what it cannot serve, naming the field', () => {
    expect(refusal({ model: 'm' })).toMatch(/input/);
    expect(refusal({ model: 'm', input: [] })).toMatch(/at least one message/);
    expect(refusal({ model: 'm', input: 'x', background: true })).toMatch(/background/);
    expect(refusal({ model: 'm', input: 'x', conversation: 'conv_1' })).toMatch(/conversation/);
    expect(refusal({ model: 'm', input: 'x', temperature: 3 })).toMatch(/temperature/);
    expect(refusal({ model: 'm', input: 'x', max_output_tokens: 0 })).toMatch(/max_output_tokens/);
    expect(refusal({ model: 'm', input: 'x', tool_choice: 'sometimes' })).toMatch(/tool_choice/);
    expect(refusal({ model: 'm', input: [{ type: 'file_search_call' }] })).toMatch(/not supported/);
    expect(refusal({ model: 'm', input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'f' }] }] })).toMatch(/input_file/);
    expect(refusal({ model: 'm', input: [{ role: 'assistant', content: [{ type: 'input_image', image_url: 'https://x/y.png' }] }] })).toMatch(/only text/);
  });

  it('answers a completion cut at max_output_tokens as incomplete, with its tool calls as function_call items', () => {
    const { echo } = parseResponsesRequest({ model: 'handle', input: 'x', max_output_tokens: 5 });
    const response = completionToResponse(
      {
        id: 'c',
        object: 'chat.completion',
        created: 5,
        model: 'handle',
        choices: [{ index: 0, message: { role: 'assistant', content: 'cut', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a"' } }] }, finish_reason: 'length' }],
        usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8, prompt_tokens_details: { cached_tokens: 1 } },
      },
      echo,
    );
    expect(response).toMatchObject({
      object: 'response',
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      max_output_tokens: 5,
      model: 'handle',
      output: [
        { type: 'message', content: [{ type: 'output_text', text: 'cut' }] },
        { type: 'function_call', call_id: 'call_1', name: 'f', arguments: '{"a"' },
      ],
      usage: { input_tokens: 3, output_tokens: 5, total_tokens: 8, input_tokens_details: { cached_tokens: 1 } },
    });
  });

  it('streams text then a tool call as separate items, numbering events, and ends a failed stream without response.completed', () => {
    const translator = new ResponsesStreamTranslator(parseResponsesRequest({ model: 'm', input: 'x' }).echo);
    const events = [
      ...translator.start(),
      ...translator.push(chunk({ role: 'assistant', content: '' })),
      ...translator.push(chunk({ content: 'Hi' })),
      ...translator.push(chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } }] })),
      ...translator.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '{}' } }] })),
    ];
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
    ]);
    expect(events.map((e) => e.data.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events[8].data).toMatchObject({ output_index: 1, item: { type: 'function_call', call_id: 'call_1', name: 'f' } });
    const failed = translator.fail({ code: 'server', message: 'upstream cut the stream' });
    expect(failed.map((e) => e.type)).toEqual(['error', 'response.failed']);
    expect(failed[1].data.response).toMatchObject({ status: 'failed', error: { code: 'server', message: 'upstream cut the stream' } });
  });
});
