import * as path from 'node:path';
import { SERVICE_PORTS, type ServiceName } from '@kastra/config';

/** Start order: the gateway first so the examples can be applied as soon as possible. */
export const STACK_SERVICES: ServiceName[] = ['api-gateway', 'controller-manager', 'workflow-executor', 'network-router', 'llm-proxy'];

/** The repository root, from `dist/tools/stack/` or `tools/stack/`. */
export function repositoryRoot(): string {
  const parts = __dirname.split(path.sep);
  const dist = parts.lastIndexOf('dist');
  return dist >= 0 ? parts.slice(0, dist).join(path.sep) || path.sep : path.resolve(__dirname, '../..');
}

export function serviceMain(root: string, service: ServiceName): string {
  return path.join(root, 'dist', 'apps', service, 'src', 'main.js');
}

export function isServiceName(name: string | undefined): name is ServiceName {
  return name !== undefined && Object.prototype.hasOwnProperty.call(SERVICE_PORTS, name);
}
