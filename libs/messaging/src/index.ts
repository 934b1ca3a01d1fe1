export * from './nats-names';
export * from './ensure-event-stream';
export * from './event-relay';
export * from './durable-consumer';
export * from './handle-once';
export * from './messaging.module';
export * from './event-relay.host';
