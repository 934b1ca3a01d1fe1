// The OpenAI-format chat types of @kastra/llm, under the names this library's API has used since
// before libs/llm landed (so the workflow-executor's imports keep working).
export type {
  ChatCompletion,
  ChatMessage,
  ChatRequest,
  ResponseFormat as ChatResponseFormat,
  ToolCall as ChatToolCall,
  ToolDefinition as ChatFunctionTool,
  Usage,
} from '@kastra/llm';
