export * from './principal';
export * from './jwt-authority';
export * from './principal-from-authorization-header';
export * from './secret-file';
export * from './warning-logger';
export * from './development-secrets';
export * from './development-certificate';
export * from './auth.module';
