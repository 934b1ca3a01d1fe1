import type { ChatRequest, ContentPart, FinishReason, JsonSchema, TextContentPart, ToolCall, Usage } from '../chat-types';
import { ProviderError } from '../provider-errors';

export interface GeminiPart {
  text?: string;
  thought?: boolean;
  inlineData?: { mimeType: string; data: string };
  fileData?: { mimeType?: string; fileUri: string };
  functionCall?: { name: string; args?: Record<string, unknown>; id?: string };
  functionResponse?: { name: string; response: Record<string, unknown>; id?: string };
}

export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiPart[];
}

export interface GeminiRequest {
  contents: GeminiContent[];
  systemInstruction?: { parts: GeminiPart[] };
  tools?: Array<{ functionDeclarations: Array<{ name: string; description?: string; parameters?: JsonSchema }> }>;
  toolConfig?: { functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] } };
  generationConfig?: {
    temperature?: number;
    topP?: number;
    maxOutputTokens?: number;
    stopSequences?: string[];
    responseMimeType?: string;
    responseJsonSchema?: JsonSchema;
    candidateCount?: number;
  };
}

export interface GeminiUsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  totalTokenCount?: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
}

export interface GeminiResponse {
  candidates?: Array<{ content?: { parts?: GeminiPart[]; role?: string }; finishReason?: string; index?: number }>;
  usageMetadata?: GeminiUsageMetadata;
  modelVersion?: string;
  responseId?: string;
  promptFeedback?: { blockReason?: string };
}

/** OpenAI chat request -> Gemini generateContent body. */
export function toGeminiRequest(request: ChatRequest): GeminiRequest {
  const system: GeminiPart[] = [];
  const contents: GeminiContent[] = [];
  // Gemini answers a tool by function name, OpenAI by call id: remember which id was which name.
  const toolNames = new Map<string, string>();
  const push = (role: 'user' | 'model', parts: GeminiPart[]) => {
    if (parts.length === 0) return;
    const last = contents[contents.length - 1];
    if (last && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  for (const message of request.messages) {
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push({ text: textOf(message.content) });
        break;
      case 'user':
        push('user', userParts(message.content));
        break;
      case 'assistant': {
        const parts: GeminiPart[] = [];
        const text = textOf(message.content);
        if (text) parts.push({ text });
        for (const call of message.tool_calls ?? []) {
          toolNames.set(call.id, call.function.name);
          parts.push({ functionCall: { name: call.function.name, args: parseArgs(call.function.arguments) } });
        }
        push('model', parts);
        break;
      }
      case 'tool': {
        const name = toolNames.get(message.tool_call_id);
        if (!name) throw new ProviderError('bad_request', `tool message answers unknown tool call ${message.tool_call_id}`, { provider: 'google' });
        push('user', [{ functionResponse: { name, response: { content: textOf(message.content) } } }]);
        break;
      }
    }
  }
  const body: GeminiRequest = { contents };
  if (system.length > 0) body.systemInstruction = { parts: system };
  if (request.tools?.length) {
    body.tools = [
      {
        functionDeclarations: request.tools.map((tool) => ({
          name: tool.function.name,
          description: tool.function.description,
          ...(tool.function.parameters ? { parameters: geminiSchema(tool.function.parameters) } : {}),
        })),
      },
    ];
    const choice = request.tool_choice;
    if (choice === 'none') body.toolConfig = { functionCallingConfig: { mode: 'NONE' } };
    else if (choice === 'required') body.toolConfig = { functionCallingConfig: { mode: 'ANY' } };
    else if (typeof choice === 'object') body.toolConfig = { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
  }
  const config: NonNullable<GeminiRequest['generationConfig']> = {};
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.top_p !== undefined) config.topP = request.top_p;
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens !== undefined) config.maxOutputTokens = maxTokens;
  if (request.stop !== undefined) config.stopSequences = Array.isArray(request.stop) ? request.stop : [request.stop];
  if (request.response_format?.type === 'json_object') config.responseMimeType = 'application/json';
  if (request.response_format?.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    if (request.response_format.json_schema.schema) config.responseJsonSchema = request.response_format.json_schema.schema;
  }
  if (Object.keys(config).length > 0) body.generationConfig = config;
  return body;
}

/** Gemini's function parameter schema is an OpenAPI subset: drop the keywords it rejects. */
function geminiSchema(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'additionalProperties' || key === '$schema' || key === 'strict' || key === '$id') continue;
    if (key === 'properties' && value && typeof value === 'object') {
      out[key] = Object.fromEntries(Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, geminiSchema(v)]));
    } else if (key === 'items' && value && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = geminiSchema(value as JsonSchema);
    } else {
      out[key] = value;
    }
  }
  return out;
}

function textOf(content: string | TextContentPart[] | null | undefined): string {
  if (content === null || content === undefined) return '';
  return typeof content === 'string' ? content : content.map((p) => p.text).join('');
}

function userParts(content: string | ContentPart[]): GeminiPart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  return content.map((part): GeminiPart => {
    if (part.type === 'text') return { text: part.text };
    const data = /^data:([^;,]+);base64,(.*)$/s.exec(part.image_url.url);
    if (data) return { inlineData: { mimeType: data[1], data: data[2] } };
    return { fileData: { fileUri: part.image_url.url, mimeType: guessMime(part.image_url.url) } };
  });
}

function guessMime(url: string): string {
  if (/\.png(\?|$)/i.test(url)) return 'image/png';
  if (/\.webp(\?|$)/i.test(url)) return 'image/webp';
  if (/\.gif(\?|$)/i.test(url)) return 'image/gif';
  return 'image/jpeg';
}

function parseArgs(args: string): Record<string, unknown> {
  if (!args || args.trim() === '') return {};
  try {
    return JSON.parse(args) as Record<string, unknown>;
  } catch {
    throw new ProviderError('bad_request', 'assistant tool call arguments are not valid JSON', { provider: 'google' });
  }
}

export function finishReasonOf(reason: string | undefined, hasToolCalls: boolean): FinishReason | null {
  if (!reason || reason === 'FINISH_REASON_UNSPECIFIED') return null;
  if (reason === 'STOP') return hasToolCalls ? 'tool_calls' : 'stop';
  if (reason === 'MAX_TOKENS') return 'length';
  if (reason === 'MALFORMED_FUNCTION_CALL') return 'stop';
  return 'content_filter';
}

/** Gemini counts thoughts apart from candidates; both are billed as output. */
export function toUsage(meta: GeminiUsageMetadata | undefined): Usage {
  const prompt = meta?.promptTokenCount ?? 0;
  const completion = (meta?.candidatesTokenCount ?? 0) + (meta?.thoughtsTokenCount ?? 0);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: meta?.cachedContentTokenCount ?? 0 },
    ...(meta?.thoughtsTokenCount ? { completion_tokens_details: { reasoning_tokens: meta.thoughtsTokenCount } } : {}),
  };
}

/** The text and tool calls of one response (or stream chunk); `firstToolIndex` numbers them across chunks. */
export function contentOf(response: GeminiResponse, firstToolIndex = 0): { text: string; toolCalls: ToolCall[]; finish?: string } {
  const candidate = response.candidates?.[0];
  let text = '';
  const toolCalls: ToolCall[] = [];
  for (const part of candidate?.content?.parts ?? []) {
    if (part.thought) continue;
    if (part.text) text += part.text;
    if (part.functionCall) {
      const index = firstToolIndex + toolCalls.length;
      toolCalls.push({
        id: part.functionCall.id ?? `call_${index}_${part.functionCall.name}`,
        type: 'function',
        function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) },
      });
    }
  }
  return { text, toolCalls, finish: candidate?.finishReason };
}
