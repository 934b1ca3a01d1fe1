export * from './readiness-registry';
export * from './health.module';
export * from './health.controller';
export * from './run-service';
