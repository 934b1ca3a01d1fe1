export * from './egress-allow-list';
export * from './egress-errors';
export * from './egress-fetch';
export * from './egress-policy';
export * from './egress-request';
export * from './forbidden-address';
export * from './private-egress-resolver';
export * from './read-capped-body';
