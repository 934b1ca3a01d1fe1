export * from './chat-types';
export * from './provider-errors';
export * from './provider-adapter';
