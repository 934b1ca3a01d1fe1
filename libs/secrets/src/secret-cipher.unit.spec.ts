import { randomBytes } from 'node:crypto';
import { SecretCipher, SecretDecryptionError, keyIdOf } from './secret-cipher';

const plain = 'sk-live-do-not-leak-0123456789';

function decryptError(cipher: SecretCipher, stored: string): Error {
  try {
    cipher.decrypt(stored);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected decryption to fail');
}

describe('SecretCipher', () => {
  const key = randomBytes(32);

  it('round-trips text in the v1:<keyId>:<iv>:<tag>:<ct> format with a fresh IV each time', () => {
    // Given a cipher
    const cipher = new SecretCipher(key);
    // When the same value is encrypted twice
    const first = cipher.encrypt(plain);
    const second = cipher.encrypt(plain);
    // Then both decrypt, differ, carry the key id and never the plaintext
    expect(first).toMatch(new RegExp(`^v1:${keyIdOf(key)}:[^:]+:[^:]+:[^:]+$`));
    expect(first).not.toBe(second);
    expect(first).not.toContain(plain);
    expect(cipher.decrypt(first)).toBe(plain);
    expect(cipher.decrypt(cipher.encrypt(''))).toBe('');
    expect(cipher.decrypt(cipher.encrypt('ünïcødé ✓'))).toBe('ünïcødé ✓');
    expect(SecretCipher.isEncrypted(first)).toBe(true);
    expect(SecretCipher.isEncrypted(plain)).toBe(false);
  });

  it('detects tampering with the ciphertext, the tag, the IV or the key id, without revealing the plaintext', () => {
    const cipher = new SecretCipher(key);
    const [version, keyId, iv, tag, ct] = cipher.encrypt(plain).split(':');
    const flip = (b64: string) => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[0] ^= 1;
      return bytes.toString('base64');
    };
    const tampered = [
      [version, keyId, iv, tag, flip(ct)],
      [version, keyId, iv, flip(tag), ct],
      [version, keyId, flip(iv), tag, ct],
    ].map((parts) => parts.join(':'));
    for (const stored of tampered) {
      const error = decryptError(cipher, stored);
      expect(error).toBeInstanceOf(SecretDecryptionError);
      expect(error.message).toMatch(/altered or corrupted/);
      expect(error.message).not.toContain(plain);
    }
    expect(decryptError(cipher, [version, 'abcdefabcdef', iv, tag, ct].join(':')).message).toMatch(/neither the current key/);
    for (const malformed of ['', plain, 'v2:abc:def', `${version}:${keyId}:${iv}:${tag}`]) {
      expect(decryptError(cipher, malformed)).toBeInstanceOf(SecretDecryptionError);
    }
  });

  it('decrypts values of a previous key after rotation and says they need re-encryption', () => {
    // Given a value encrypted under the old key
    const oldKey = randomBytes(32);
    const stored = new SecretCipher(oldKey).encrypt(plain);
    // When the master key rotates, keeping the old one as previous
    const rotated = new SecretCipher(key, [oldKey]);
    // Then the old value still decrypts and is flagged, while new values are not
    expect(rotated.decrypt(stored)).toBe(plain);
    expect(rotated.needsReencryption(stored)).toBe(true);
    expect(rotated.needsReencryption(rotated.encrypt(plain))).toBe(false);
    // And without the previous key it fails with a message naming the key id
    expect(decryptError(new SecretCipher(key), stored).message).toContain(keyIdOf(oldKey));
  });

  it('rejects keys that are not 32 bytes', () => {
    expect(() => new SecretCipher(randomBytes(16))).toThrow(/32 bytes/);
    expect(() => new SecretCipher(key, [randomBytes(31)])).toThrow(/32 bytes/);
  });

  it('builds from the environment: master key plus KASTRA_PREVIOUS_MASTER_KEYS', () => {
    const oldKey = randomBytes(32);
    const env = { KASTRA_MASTER_KEY: key.toString('base64'), KASTRA_PREVIOUS_MASTER_KEYS: oldKey.toString('base64') };
    const cipher = SecretCipher.fromEnvironment('/nonexistent', { env });
    expect(cipher.keyId).toBe(keyIdOf(key));
    expect(cipher.decrypt(new SecretCipher(oldKey).encrypt(plain))).toBe(plain);
  });
});
