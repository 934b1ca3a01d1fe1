export * from './resource';
export * from './kind-definition';
export * from './api-errors';
