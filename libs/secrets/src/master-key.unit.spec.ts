import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidMasterKeyError, loadMasterKey, loadPreviousMasterKeys, parseMasterKey } from './master-key';

describe('loadMasterKey', () => {
  let home: string;
  const warnings: string[] = [];
  const logger = { warn: (_fields: Record<string, unknown>, message: string) => void warnings.push(message) };
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-secrets-'));
    warnings.length = 0;
  });
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  it('takes KASTRA_MASTER_KEY when it is 32 bytes of base64', () => {
    const key = randomBytes(32);
    expect(loadMasterKey(home, { env: { KASTRA_MASTER_KEY: key.toString('base64') }, logger }).equals(key)).toBe(true);
    expect(fs.existsSync(path.join(home, 'master-key'))).toBe(false);
    expect(warnings).toHaveLength(0);
  });

  it('rejects a KASTRA_MASTER_KEY of the wrong length or not base64, without echoing it', () => {
    const short = randomBytes(16).toString('base64');
    for (const value of [short, 'not base64 at all!', randomBytes(32).toString('hex')]) {
      let error: Error | undefined;
      try {
        loadMasterKey(home, { env: { KASTRA_MASTER_KEY: value }, logger });
      } catch (caught) {
        error = caught as Error;
      }
      expect(error).toBeInstanceOf(InvalidMasterKeyError);
      expect(error!.message).toMatch(/KASTRA_MASTER_KEY is not a usable master key/);
      expect(error!.message).not.toContain(value);
    }
  });

  it('generates $home/master-key once with a warning, mode 0600, and re-uses it', () => {
    const first = loadMasterKey(home, { env: {}, logger });
    const second = loadMasterKey(home, { env: {}, logger });
    expect(first).toHaveLength(32);
    expect(second.equals(first)).toBe(true);
    expect(fs.statSync(path.join(home, 'master-key')).mode & 0o777).toBe(0o600);
    expect(warnings).toEqual([expect.stringMatching(/development master key/)]);
  });

  it('reports a corrupt key file by its path', () => {
    fs.writeFileSync(path.join(home, 'master-key'), 'c2hvcnQ=\n');
    expect(() => loadMasterKey(home, { env: {}, logger })).toThrow(/master-key is not a usable master key: it decodes to 5 bytes/);
  });
});

describe('loadPreviousMasterKeys', () => {
  it('reads a comma list, ignoring blanks, and names a bad entry by position', () => {
    const [a, b] = [randomBytes(32), randomBytes(32)];
    const keys = loadPreviousMasterKeys({ KASTRA_PREVIOUS_MASTER_KEYS: ` ${a.toString('base64')},,${b.toString('base64')} ` });
    expect(keys.map((k) => k.toString('hex'))).toEqual([a.toString('hex'), b.toString('hex')]);
    expect(loadPreviousMasterKeys({})).toEqual([]);
    expect(() => loadPreviousMasterKeys({ KASTRA_PREVIOUS_MASTER_KEYS: `${a.toString('base64')},xyz` })).toThrow(/entry 2/);
  });

  it('parseMasterKey accepts surrounding whitespace', () => {
    const key = randomBytes(32);
    expect(parseMasterKey(`  ${key.toString('base64')}\n`, 'test').equals(key)).toBe(true);
  });
});
