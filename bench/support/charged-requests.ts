import type { Redis } from 'ioredis';

const WINDOW_MS = 60_000;

/**
 * Requests charged to one scope's RPM limit (`user:<sub>`, `model:<id>`) in the current and the
 * previous minute window, read from the proxy's Redis keys
 * (`<prefix>:llm:rl:<scope>:rpm:<minute>`, docs/llm-proxy.md): every request of the last 60 s at
 * least. A phase whose calls all went through the limit check charged at least its own calls.
 */
export async function chargedRequests(redis: Redis, prefix: string, scope: string, now = Date.now()): Promise<number> {
  const minute = Math.floor(now / WINDOW_MS);
  const counts = await redis.mget(`${prefix}:llm:rl:${scope}:rpm:${minute}`, `${prefix}:llm:rl:${scope}:rpm:${minute - 1}`);
  return counts.reduce((sum, count) => sum + Number(count ?? 0), 0);
}
