import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { readOrCreateSecretFile } from './secret-file';
import { defaultWarningLogger, type WarningLogger } from './warning-logger';

export interface DevelopmentSecrets {
  /** HS256 key of the gateway's JWTs. */
  jwtSecret: string;
}

export interface SecretLoadOptions {
  env?: NodeJS.ProcessEnv;
  logger?: WarningLogger;
}

/** File name of the generated JWT secret inside KASTRA_HOME. */
export const JWT_SECRET_FILE = 'jwt-secret';

/**
 * The JWT secret: KASTRA_JWT_SECRET when set (at least 32 characters), else `$homeDir/jwt-secret`,
 * generated once (32 random bytes, base64, mode 0600) with a warning that it is for development.
 */
export function loadDevelopmentSecrets(homeDir: string, options: SecretLoadOptions = {}): DevelopmentSecrets {
  const env = options.env ?? process.env;
  const fromEnv = env.KASTRA_JWT_SECRET;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < 32) throw new Error('KASTRA_JWT_SECRET must be at least 32 characters long');
    return { jwtSecret: fromEnv };
  }
  const file = path.join(path.resolve(homeDir), JWT_SECRET_FILE);
  const { content, created } = readOrCreateSecretFile(file, () => `${randomBytes(32).toString('base64')}\n`);
  if (created) {
    (options.logger ?? defaultWarningLogger()).warn(
      { file },
      'generated a development JWT secret; set KASTRA_JWT_SECRET in production',
    );
  }
  const jwtSecret = content.trim();
  if (jwtSecret.length < 32) throw new Error(`${file} holds no usable JWT secret (delete it to generate a new one)`);
  return { jwtSecret };
}
