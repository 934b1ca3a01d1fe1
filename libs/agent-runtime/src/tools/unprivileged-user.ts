import { readFileSync } from 'node:fs';

let cached: { uid: number; gid: number } | null | undefined;

/**
 * The uid and gid of `nobody` when this process runs as root and the host has that user (from
 * /etc/passwd), so the processes it starts for Tools do not run as root; undefined otherwise (a
 * non-root service starts them as itself).
 */
export function unprivilegedUser(): { uid: number; gid: number } | undefined {
  if (cached !== undefined) return cached ?? undefined;
  cached = null;
  if (process.getuid?.() === 0) {
    try {
      const entry = readFileSync('/etc/passwd', 'utf8').split('\n').find((line) => line.startsWith('nobody:'));
      const [, , uid, gid] = entry?.split(':') ?? [];
      if (entry && /^\d+$/.test(uid) && /^\d+$/.test(gid)) cached = { uid: Number(uid), gid: Number(gid) };
    } catch {
      // No /etc/passwd: nothing to switch to.
    }
  }
  return cached ?? undefined;
}
