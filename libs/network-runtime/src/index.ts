export * from './route-decision';
export * from './router-prompt';
export * from './route-turn';
export * from './network-run-events';
export * from './network-run-state';
export * from './network-run-plan';
export * from './network-run-status';
