import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { defaultWarningLogger, readOrCreateSecretFile, type SecretLoadOptions } from '@kastra/auth';

/** AES-256 needs exactly this many key bytes. */
export const MASTER_KEY_BYTES = 32;
/** File name of the generated master key inside KASTRA_HOME. */
export const MASTER_KEY_FILE = 'master-key';

/** A master key that is not 32 bytes of base64. The message names the source, never the value. */
export class InvalidMasterKeyError extends Error {
  override readonly name = 'InvalidMasterKeyError';
  constructor(readonly source: string, reason: string) {
    super(`${source} is not a usable master key: ${reason} (expected ${MASTER_KEY_BYTES} random bytes, base64, e.g. from \`openssl rand -base64 32\`)`);
  }
}

/** Decodes a base64 master key, rejecting anything that is not exactly 32 bytes of strict base64. */
export function parseMasterKey(value: string, source: string): Buffer {
  const trimmed = value.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || trimmed.length % 4 !== 0) {
    throw new InvalidMasterKeyError(source, 'it is not base64');
  }
  const key = Buffer.from(trimmed, 'base64');
  if (key.length !== MASTER_KEY_BYTES) throw new InvalidMasterKeyError(source, `it decodes to ${key.length} bytes`);
  return key;
}

/**
 * The key that encrypts secrets at rest: KASTRA_MASTER_KEY when set, else `$homeDir/master-key`,
 * generated once (mode 0600) with a warning that it is a development key.
 */
export function loadMasterKey(homeDir: string, options: SecretLoadOptions = {}): Buffer {
  const env = options.env ?? process.env;
  if (env.KASTRA_MASTER_KEY !== undefined && env.KASTRA_MASTER_KEY !== '') {
    return parseMasterKey(env.KASTRA_MASTER_KEY, 'KASTRA_MASTER_KEY');
  }
  const file = path.join(path.resolve(homeDir), MASTER_KEY_FILE);
  const { content, created } = readOrCreateSecretFile(file, () => `${randomBytes(MASTER_KEY_BYTES).toString('base64')}\n`);
  if (created) {
    (options.logger ?? defaultWarningLogger()).warn(
      { file },
      'generated a development master key; set KASTRA_MASTER_KEY (32 bytes, base64) in production and keep it safe',
    );
  }
  return parseMasterKey(content, file);
}

/** Keys that encrypted older secrets: KASTRA_PREVIOUS_MASTER_KEYS, comma-separated base64. */
export function loadPreviousMasterKeys(env: NodeJS.ProcessEnv = process.env): Buffer[] {
  const list = env.KASTRA_PREVIOUS_MASTER_KEYS ?? '';
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry, index) => parseMasterKey(entry, `KASTRA_PREVIOUS_MASTER_KEYS entry ${index + 1}`));
}
