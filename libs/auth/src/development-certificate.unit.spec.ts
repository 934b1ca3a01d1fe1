import { X509Certificate, createPrivateKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureDevelopmentCertificate, generateDevelopmentCertificate, type TlsMaterial } from './development-certificate';
import type { WarningLogger } from './warning-logger';

const silent: WarningLogger = { warn: () => undefined };
// RSA key generation dominates this file's time: two sets serve every test that needs any.
const setA = generateDevelopmentCertificate();
const setB = generateDevelopmentCertificate();

describe('generateDevelopmentCertificate', () => {
  const material = setA;
  const ca = new X509Certificate(material.ca);
  const cert = new X509Certificate(material.cert);

  it('makes a CA named kastra-dev-ca that signed a localhost server certificate', () => {
    expect(ca.subject).toContain('CN=kastra-dev-ca');
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(material.key))).toBe(true);
  });

  it('covers localhost, 127.0.0.1 and ::1 with a 2048-bit RSA key for about a year', () => {
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.subjectAltName).toMatch(/IP Address:(0:0:0:0:0:0:0:1|::1)/);
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const days = (new Date(cert.validTo).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(364);
    expect(days).toBeLessThan(366);
  });
});

describe('ensureDevelopmentCertificate', () => {
  let home: string;
  beforeEach(() => (home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-tls-'))));
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  it('writes ca.crt, server.crt and server.key once and re-uses them', () => {
    // Given an empty home
    const warnings: string[] = [];
    const logger: WarningLogger = { warn: (_f, m) => warnings.push(m) };
    // When the certificate is ensured twice
    const first = ensureDevelopmentCertificate(home, { env: {}, logger });
    const second = ensureDevelopmentCertificate(home, { env: {}, logger });
    // Then the same material comes back, from the files, with the key private, and one warning
    expect(second).toEqual(first);
    expect(fs.readFileSync(path.join(home, 'tls', 'ca.crt'), 'utf8')).toBe(first.ca);
    expect(fs.readFileSync(path.join(home, 'tls', 'server.crt'), 'utf8')).toBe(first.cert);
    expect(fs.statSync(path.join(home, 'tls', 'server.key')).mode & 0o777).toBe(0o600);
    expect(warnings).toHaveLength(1);
  });

  it('replaces an expired or mismatched set', () => {
    // Given a certificate that expired, and files whose key does not match
    const expired = generateDevelopmentCertificate(new Date(Date.now() - 400 * 86_400_000));
    const other = setB;
    fs.mkdirSync(path.join(home, 'tls'));
    fs.writeFileSync(path.join(home, 'tls', 'ca.crt'), expired.ca);
    fs.writeFileSync(path.join(home, 'tls', 'server.crt'), expired.cert);
    fs.writeFileSync(path.join(home, 'tls', 'server.key'), other.key);
    // When it is ensured
    const renewed = ensureDevelopmentCertificate(home, { env: {}, logger: silent, generate: () => setA });
    // Then a new valid set is served and the old one kept aside
    expect(renewed.cert).not.toBe(expired.cert);
    expect(new X509Certificate(renewed.cert).verify(new X509Certificate(renewed.ca).publicKey)).toBe(true);
    expect(fs.readdirSync(home).some((name) => name.startsWith('tls.replaced-'))).toBe(true);
  });

  it('serves the set of a process that installed first', () => {
    // Given another process installs its certificate while ours is being generated
    const winner = setA;
    let ours: TlsMaterial | undefined;
    const generate = () => {
      const dir = path.join(home, 'tls');
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'ca.crt'), winner.ca);
      fs.writeFileSync(path.join(dir, 'server.crt'), winner.cert);
      fs.writeFileSync(path.join(dir, 'server.key'), winner.key);
      ours = setB;
      return ours;
    };
    // When ours finishes
    const served = ensureDevelopmentCertificate(home, { env: {}, logger: silent, generate });
    // Then the winner's set is served and left intact, with no staging directories left over
    expect(ours).toBe(setB);
    expect(served).toEqual(winner);
    expect(fs.readdirSync(home)).toEqual(['tls']);
  });

  it('loads KASTRA_TLS_CERT / KASTRA_TLS_KEY / KASTRA_TLS_CA and checks they match', () => {
    const material = setA;
    const other = setB;
    const file = (name: string, content: string) => {
      fs.writeFileSync(path.join(home, name), content);
      return path.join(home, name);
    };
    const env = { KASTRA_TLS_CERT: file('c.pem', material.cert), KASTRA_TLS_KEY: file('k.pem', material.key), KASTRA_TLS_CA: file('ca.pem', material.ca) };
    expect(ensureDevelopmentCertificate(home, { env })).toEqual(material);
    expect(fs.existsSync(path.join(home, 'tls'))).toBe(false);
    expect(() => ensureDevelopmentCertificate(home, { env: { ...env, KASTRA_TLS_KEY: file('k2.pem', other.key) } })).toThrow(/not the private key/);
    expect(() => ensureDevelopmentCertificate(home, { env: { KASTRA_TLS_CERT: env.KASTRA_TLS_CERT } })).toThrow(/set together/);
  });
});
