import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { SecretLoadOptions } from '@kastra/auth';
import { MASTER_KEY_BYTES, loadMasterKey, loadPreviousMasterKeys } from './master-key';

const FORMAT_VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A stored value that cannot be decrypted. The message never contains plaintext or key material. */
export class SecretDecryptionError extends Error {
  override readonly name = 'SecretDecryptionError';
}

/**
 * Short public name of a key: enough to tell which key encrypted a value after a rotation,
 * nothing that helps recover the key (a domain-separated SHA-256, truncated).
 */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('kastra-master-key-id:').update(key).digest('hex').slice(0, 12);
}

/**
 * AES-256-GCM encryption of secret values at rest. Output format:
 * `v1:<keyId>:<iv b64>:<tag b64>:<ciphertext b64>`; the `v1:<keyId>` prefix is authenticated
 * too, so it cannot be swapped. Values encrypted under a previous master key still decrypt, and
 * `needsReencryption` tells which ones to rewrite under the current key.
 */
export class SecretCipher {
  readonly keyId: string;
  private readonly keys = new Map<string, Buffer>();

  constructor(currentKey: Buffer, previousKeys: Buffer[] = []) {
    for (const key of [currentKey, ...previousKeys]) {
      if (key.length !== MASTER_KEY_BYTES) throw new Error(`a master key must be ${MASTER_KEY_BYTES} bytes, not ${key.length}`);
    }
    this.keyId = keyIdOf(currentKey);
    this.keys.set(this.keyId, currentKey);
    for (const key of previousKeys) if (!this.keys.has(keyIdOf(key))) this.keys.set(keyIdOf(key), key);
  }

  /** The cipher of this installation: the master key of `homeDir` plus KASTRA_PREVIOUS_MASTER_KEYS. */
  static fromEnvironment(homeDir: string, options: SecretLoadOptions = {}): SecretCipher {
    return new SecretCipher(loadMasterKey(homeDir, options), loadPreviousMasterKeys(options.env ?? process.env));
  }

  encrypt(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const header = `${FORMAT_VERSION}:${this.keyId}`;
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.keyId)!, iv);
    cipher.setAAD(Buffer.from(header));
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [header, iv.toString('base64'), cipher.getAuthTag().toString('base64'), ciphertext.toString('base64')].join(':');
  }

  decrypt(stored: string): string {
    const parts = parse(stored);
    const key = this.keys.get(parts.keyId);
    if (!key) {
      throw new SecretDecryptionError(
        `the value was encrypted with master key ${parts.keyId}, which is neither the current key (${this.keyId}) nor in KASTRA_PREVIOUS_MASTER_KEYS`,
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, parts.iv);
      decipher.setAAD(Buffer.from(`${FORMAT_VERSION}:${parts.keyId}`));
      decipher.setAuthTag(parts.tag);
      return Buffer.concat([decipher.update(parts.ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptionError('the encrypted value failed authentication: it was altered or corrupted');
    }
  }

  /** True when `stored` was encrypted with a previous key and should be rewritten with the current one. */
  needsReencryption(stored: string): boolean {
    return parse(stored).keyId !== this.keyId;
  }

  /** Whether `value` looks like this format (to tell stored ciphertext from a plain value). */
  static isEncrypted(value: string): boolean {
    try {
      parse(value);
      return true;
    } catch {
      return false;
    }
  }
}

interface StoredParts {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

const STORED = /^v1:([0-9a-f]{12}):([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]*)$/;

function parse(stored: string): StoredParts {
  const match = typeof stored === 'string' ? STORED.exec(stored) : null;
  if (!match) throw new SecretDecryptionError('the value is not in the v1:<keyId>:<iv>:<tag>:<ciphertext> format');
  const parts = {
    keyId: match[1],
    iv: Buffer.from(match[2], 'base64'),
    tag: Buffer.from(match[3], 'base64'),
    ciphertext: Buffer.from(match[4], 'base64'),
  };
  if (parts.iv.length !== IV_BYTES || parts.tag.length !== TAG_BYTES) {
    throw new SecretDecryptionError('the value has an IV or authentication tag of the wrong length');
  }
  return parts;
}
