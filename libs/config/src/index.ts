export * from './kastra-config';
