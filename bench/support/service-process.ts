// Benchmarks start services exactly as the end-to-end tests do.
export { startServiceProcess, type ServiceProcess } from '@kastra/testing';
