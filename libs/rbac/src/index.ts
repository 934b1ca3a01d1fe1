export * from './policy-types';
export * from './authorization-attributes';
export * from './rule-matching';
export * from './rule-coverage';
export * from './rbac-policy';
export * from './bootstrap-policy';
export * from './rbac-authorizer';
export * from './rbac-policy-cache';
