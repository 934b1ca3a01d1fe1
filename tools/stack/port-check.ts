import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';

/** Whether a service could listen on `port` on every interface right now. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

/** `ss`'s description of who listens on `port` (e.g. `users:(("node",pid=123,fd=20))`), when it can tell. */
export function portHolder(port: number): string | undefined {
  try {
    const out = execFileSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const users = out.match(/users:\(\(.*?\)\)/);
    return users?.[0] ?? (out.trim() ? out.trim().split('\n')[0] : undefined);
  } catch {
    return undefined;
  }
}
