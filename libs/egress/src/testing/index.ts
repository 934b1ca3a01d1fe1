export * from './egress-test-server';
export * from './allow-loopback-egress';
