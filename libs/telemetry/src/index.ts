export * from './create-logger';
export * from './pino-nest-logger';
export * from './metrics-registry';
export * from './trace-context';
export * from './tracing';
