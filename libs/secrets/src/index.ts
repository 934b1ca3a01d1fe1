export * from './master-key';
export * from './secret-cipher';
