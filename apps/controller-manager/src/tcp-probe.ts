import { connect } from 'node:net';
import { endpointOf, type EgressOptions, type EgressPolicy } from '@kastra/egress';

/** What probing a URL found: a TCP connection, none (why), or a refusal by the egress policy (no connection tried). */
export type TcpProbeOutcome = { reachable: true } | { reachable: false; because: string } | { refused: string };

/**
 * Whether `url`'s host:port accepts a TCP connection within `timeoutMs`, for a resource the
 * egress policy judges with `egress`. An address the policy refuses is never connected to, so
 * the answer says nothing of whether its port is open; otherwise the connection goes to the
 * address the policy checked.
 */
export async function probeTcp(url: string, options: EgressOptions & { policy: EgressPolicy; timeoutMs?: number }): Promise<TcpProbeOutcome> {
  const endpoint = endpointOf(url);
  if ('refused' in endpoint) return { reachable: false, because: endpoint.refused };
  const timeoutMs = options.timeoutMs ?? 2000;
  let address: string;
  try {
    const verdict = await options.policy.check(url, { privateAllowed: options.privateAllowed });
    if (!verdict.allowed) return { refused: verdict.reason };
    address = verdict.addresses[0].address;
  } catch (error) {
    return { reachable: false, because: `cannot resolve ${endpoint.host}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
  const { host, port } = endpoint;
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    const finish = (outcome: TcpProbeOutcome) => {
      socket.destroy();
      resolve(outcome);
    };
    socket.setTimeout(timeoutMs, () => finish({ reachable: false, because: `no TCP connection to ${host}:${port} within ${timeoutMs} ms` }));
    socket.once('connect', () => finish({ reachable: true }));
    socket.once('error', (error: NodeJS.ErrnoException) => finish({ reachable: false, because: `cannot connect to ${host}:${port}: ${error.code ?? error.message}` }));
  });
}
