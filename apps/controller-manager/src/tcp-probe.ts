import { connect } from 'node:net';

/** Why `url`'s host:port does not accept a TCP connection within `timeoutMs`, or undefined if it does. */
export function tcpUnreachableBecause(url: string, timeoutMs = 2000): Promise<string | undefined> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.resolve('it is not a valid URL');
  }
  const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (reason: string | undefined) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(timeoutMs, () => finish(`no TCP connection to ${host}:${port} within ${timeoutMs} ms`));
    socket.once('connect', () => finish(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => finish(`cannot connect to ${host}:${port}: ${error.code ?? error.message}`));
  });
}
