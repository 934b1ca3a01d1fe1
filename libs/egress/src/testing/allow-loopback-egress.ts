/**
 * Opens `127.0.0.1:<port>` in `env.KASTRA_EGRESS_ALLOW` (this process's by default), as an
 * operator opens a mock server's port: tests whose Tools or LLMs call a server of their own on
 * loopback use it, and everything else on loopback stays refused. Returns the new value.
 */
export function allowLoopbackEgress(port: number, env: NodeJS.ProcessEnv = process.env): string {
  const entries = (env.KASTRA_EGRESS_ALLOW ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  const entry = `127.0.0.1:${port}`;
  if (!entries.includes(entry)) entries.push(entry);
  env.KASTRA_EGRESS_ALLOW = entries.join(',');
  return env.KASTRA_EGRESS_ALLOW;
}
