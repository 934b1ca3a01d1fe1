export * from './test-database';
export * from './test-nats';
export * from './free-port';
export * from './service-process';
export * from './kubectl';
export * from './core-test-environment';
export * from './private-postgres';
export * from './digit-boundary';
