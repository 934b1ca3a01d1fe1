export * from './egress-test-server';
