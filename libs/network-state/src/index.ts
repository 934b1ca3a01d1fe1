export * from './network-state';
export * from './network-state-error';
export * from './network-state-store';
export { MemoryNetworkState, MemoryStateData } from './memory-network-state';
export { PersistentNetworkState } from './persistent-network-state';
