export * from './mock-upstream-server';
export * from './mock-openai-server';
export * from './mock-anthropic-server';
export * from './mock-gemini-server';
export * from './collect';
