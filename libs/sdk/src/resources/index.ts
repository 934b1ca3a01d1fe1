export * from './resource-types.generated';
export type { RuntimeResource } from './runtime-resource';
