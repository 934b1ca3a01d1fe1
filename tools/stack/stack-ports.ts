import { SERVICE_PORTS, type ServiceName } from '@kastra/config';

/** Where every service of one `npm start` listens. */
export interface StackPorts {
  /** Each service's HTTP port (health, metrics; the REST API on the gateway). */
  http: Record<ServiceName, number>;
  /** The gateway's HTTPS port (kubectl). */
  https: number;
  /** The gateway's gRPC port. */
  grpc: number;
}

/**
 * The variable that moves one service's HTTP port in `npm start`. `PORT` cannot: the supervisor
 * starts five services, each needs its own, so a second stack (a test run beside a running one)
 * sets these instead.
 */
export const STACK_PORT_VARIABLES: Record<ServiceName, string> = {
  'api-gateway': 'KASTRA_API_GATEWAY_PORT',
  'llm-proxy': 'KASTRA_LLM_PROXY_PORT',
  'controller-manager': 'KASTRA_CONTROLLER_MANAGER_PORT',
  'workflow-executor': 'KASTRA_WORKFLOW_EXECUTOR_PORT',
  'network-router': 'KASTRA_NETWORK_ROUTER_PORT',
};

/** The gateway's own variables, which it reads itself; the supervisor checks and passes them on. */
export const DEFAULT_HTTPS_PORT = 8443;
export const DEFAULT_GRPC_PORT = 50051;

/** The ports of the stack from the environment (defaults where unset); throws on a bad or shared port. */
export function stackPortsFromEnv(env: NodeJS.ProcessEnv): StackPorts {
  const http = {} as Record<ServiceName, number>;
  for (const service of Object.keys(SERVICE_PORTS) as ServiceName[]) {
    http[service] = portFrom(env, STACK_PORT_VARIABLES[service], SERVICE_PORTS[service]);
  }
  const ports: StackPorts = { http, https: portFrom(env, 'HTTPS_PORT', DEFAULT_HTTPS_PORT), grpc: portFrom(env, 'GRPC_PORT', DEFAULT_GRPC_PORT) };
  const seen = new Map<number, string>();
  for (const { port, service, purpose } of listenedPorts(ports)) {
    const owner = `${service} ${purpose}`;
    const other = seen.get(port);
    if (other) throw new Error(`port ${port} is given to both ${other} and ${owner}: each needs its own`);
    seen.set(port, owner);
  }
  return ports;
}

/** Every port the stack listens on, with who listens and why (for the "ports are taken" check). */
export function listenedPorts(ports: StackPorts): { port: number; service: ServiceName; purpose: string }[] {
  return [
    ...(Object.keys(ports.http) as ServiceName[]).map((service) => ({ port: ports.http[service], service, purpose: 'HTTP' })),
    { port: ports.https, service: 'api-gateway', purpose: 'HTTPS' },
    { port: ports.grpc, service: 'api-gateway', purpose: 'gRPC' },
  ];
}

function portFrom(env: NodeJS.ProcessEnv, variable: string, fallback: number): number {
  const raw = env[variable]?.trim();
  if (!raw) return fallback;
  // 0 ("any free port") would leave the supervisor unable to say where a service is.
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 65535) {
    throw new Error(`${variable} must be a TCP port number (1-65535), not "${raw}"`);
  }
  return Number(raw);
}
