import { SERVICE_PORTS } from '@kastra/config';
import { listenedPorts, STACK_PORT_VARIABLES, stackPortsFromEnv } from './stack-ports';

describe('the ports of npm start', () => {
  it('are the documented defaults when nothing is set', () => {
    // Given no port variables  When the stack reads its ports  Then each service has its default
    const ports = stackPortsFromEnv({});
    expect(ports).toEqual({ http: { ...SERVICE_PORTS }, https: 8443, grpc: 50051 });
    expect(listenedPorts(ports).map((entry) => entry.port).sort()).toEqual([8080, 8081, 8082, 8083, 8084, 8443, 50051].sort());
  });

  it('move per service, and the gateway takes HTTPS_PORT and GRPC_PORT', () => {
    // Given every port variable set
    const env = {
      KASTRA_API_GATEWAY_PORT: '18080',
      KASTRA_LLM_PROXY_PORT: '18081',
      KASTRA_CONTROLLER_MANAGER_PORT: '18082',
      KASTRA_WORKFLOW_EXECUTOR_PORT: '18083',
      KASTRA_NETWORK_ROUTER_PORT: '18084',
      HTTPS_PORT: '18443',
      GRPC_PORT: '15051',
      PORT: '1',
    };
    // When the stack reads its ports  Then they are those (PORT, one service's variable, is not one of them)
    expect(stackPortsFromEnv(env)).toEqual({
      http: { 'api-gateway': 18080, 'llm-proxy': 18081, 'controller-manager': 18082, 'workflow-executor': 18083, 'network-router': 18084 },
      https: 18443,
      grpc: 15051,
    });
    expect(Object.values(STACK_PORT_VARIABLES).every((variable) => variable in env)).toBe(true);
  });

  it('refuses a port that is not one, or one given to two listeners', () => {
    expect(() => stackPortsFromEnv({ KASTRA_LLM_PROXY_PORT: 'http' })).toThrow('KASTRA_LLM_PROXY_PORT must be a TCP port number (1-65535), not "http"');
    expect(() => stackPortsFromEnv({ GRPC_PORT: '0' })).toThrow('GRPC_PORT must be a TCP port number');
    expect(() => stackPortsFromEnv({ HTTPS_PORT: '70000' })).toThrow('HTTPS_PORT must be a TCP port number');
    expect(() => stackPortsFromEnv({ KASTRA_NETWORK_ROUTER_PORT: '8080' })).toThrow('port 8080 is given to both api-gateway HTTP and network-router HTTP');
  });
});
