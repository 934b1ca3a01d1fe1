import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Reads `file`, or creates it with `generate()` when missing. Several processes may start at once
 * on a fresh home directory: each writes a private temp file and hard-links it into place, which
 * fails if another process won; everyone then uses what the file holds, so all agree.
 *
 * @returns the file's content and whether this call created it.
 */
export function readOrCreateSecretFile(file: string, generate: () => string): { content: string; created: boolean } {
  const existing = readIfPresent(file);
  if (existing !== undefined) return { content: existing, created: false };

  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  fs.writeFileSync(temp, generate(), { mode: 0o600, flag: 'wx' });
  let created = true;
  try {
    fs.linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    created = false;
  } finally {
    fs.rmSync(temp, { force: true });
  }
  const content = readIfPresent(file);
  if (content === undefined) throw new Error(`${file} vanished while it was being created`);
  return { content, created };
}

function readIfPresent(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
