import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadDevelopmentSecrets } from './development-secrets';
import { readOrCreateSecretFile } from './secret-file';
import type { WarningLogger } from './warning-logger';

function recordingLogger(): WarningLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, warn: (_fields, message) => warnings.push(message) };
}

describe('loadDevelopmentSecrets', () => {
  let home: string;
  beforeEach(() => (home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-auth-'))));
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  it('generates a 32-byte secret once, mode 0600, with a warning, then re-uses it silently', () => {
    // Given an empty home and a logger
    const logger = recordingLogger();
    // When the secrets are loaded twice
    const first = loadDevelopmentSecrets(home, { env: {}, logger });
    const second = loadDevelopmentSecrets(home, { env: {}, logger });
    // Then both agree, the file is private, and exactly one warning (without the secret) was logged
    expect(second.jwtSecret).toBe(first.jwtSecret);
    expect(Buffer.from(first.jwtSecret, 'base64')).toHaveLength(32);
    expect(fs.statSync(path.join(home, 'jwt-secret')).mode & 0o777).toBe(0o600);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toMatch(/development JWT secret/);
    expect(logger.warnings[0]).not.toContain(first.jwtSecret);
  });

  it('prefers KASTRA_JWT_SECRET and writes nothing', () => {
    const secret = 'x'.repeat(40);
    expect(loadDevelopmentSecrets(home, { env: { KASTRA_JWT_SECRET: secret } }).jwtSecret).toBe(secret);
    expect(fs.existsSync(path.join(home, 'jwt-secret'))).toBe(false);
  });

  it('rejects a short KASTRA_JWT_SECRET and an empty secret file', () => {
    expect(() => loadDevelopmentSecrets(home, { env: { KASTRA_JWT_SECRET: 'short' } })).toThrow(/at least 32/);
    fs.writeFileSync(path.join(home, 'jwt-secret'), '\n');
    expect(() => loadDevelopmentSecrets(home, { env: {} })).toThrow(/no usable JWT secret/);
  });
});

describe('readOrCreateSecretFile', () => {
  it('keeps the content of a process that created the file first', () => {
    // Given a home where another process creates the file while we generate ours
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-race-'));
    const file = path.join(home, 'nested', 'key');
    try {
      // When we create it
      const result = readOrCreateSecretFile(file, () => {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, 'winner');
        return 'loser';
      });
      // Then the winner's content is returned and on disk, and no temp files are left
      expect(result).toEqual({ content: 'winner', created: false });
      expect(fs.readdirSync(path.dirname(file))).toEqual(['key']);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
