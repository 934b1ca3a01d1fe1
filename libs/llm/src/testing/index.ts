export * from './mock-upstream-server';
export * from './mock-openai-server';
