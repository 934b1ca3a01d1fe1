import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as forge from 'node-forge';
import { defaultWarningLogger } from './warning-logger';
import type { SecretLoadOptions } from './development-secrets';

/** PEM strings of the gateway's TLS server: its key, its certificate and the CA that signed it. */
export interface TlsMaterial {
  key: string;
  cert: string;
  ca: string;
}

export const TLS_DIR = 'tls';
export const CA_COMMON_NAME = 'kastra-dev-ca';
/** Names the development server certificate is valid for. */
export const SERVER_DNS_NAMES = ['localhost'];
export const SERVER_IP_ADDRESSES = ['127.0.0.1', '::1'];

const VALIDITY_DAYS = 365;
/** A certificate expiring sooner than this is replaced on start rather than served. */
const RENEW_BEFORE_MS = 24 * 60 * 60 * 1000;
const FILES = { ca: 'ca.crt', cert: 'server.crt', key: 'server.key' } as const;

/**
 * The gateway's TLS material: from KASTRA_TLS_CERT / KASTRA_TLS_KEY (and optionally
 * KASTRA_TLS_CA; without it the certificate is taken to be its own CA) when set; else the
 * development CA and server certificate in `$homeDir/tls/`, generated on first use and re-used
 * while present and valid.
 */
export function ensureDevelopmentCertificate(
  homeDir: string,
  options: SecretLoadOptions & {
    /** Makes the material when none is usable. @default generateDevelopmentCertificate */
    generate?: () => TlsMaterial;
  } = {},
): TlsMaterial {
  const env = options.env ?? process.env;
  if (env.KASTRA_TLS_CERT || env.KASTRA_TLS_KEY || env.KASTRA_TLS_CA) return loadConfiguredCertificate(env);

  const dir = path.join(path.resolve(homeDir), TLS_DIR);
  const existing = readTlsDir(dir);
  if (existing && isUsable(existing)) return existing;

  if (installTlsDir(dir, (options.generate ?? generateDevelopmentCertificate)())) {
    (options.logger ?? defaultWarningLogger()).warn(
      { dir },
      'generated a development TLS certificate (CA kastra-dev-ca); set KASTRA_TLS_CERT and KASTRA_TLS_KEY in production',
    );
  }
  // Another process may have installed its own set first: serve whatever is on disk.
  const installed = readTlsDir(dir);
  if (!installed || !isUsable(installed)) throw new Error(`could not install a usable TLS certificate in ${dir}`);
  return installed;
}

function loadConfiguredCertificate(env: NodeJS.ProcessEnv): TlsMaterial {
  if (!env.KASTRA_TLS_CERT || !env.KASTRA_TLS_KEY) {
    throw new Error('KASTRA_TLS_CERT and KASTRA_TLS_KEY must be set together (KASTRA_TLS_CA is optional)');
  }
  const cert = fs.readFileSync(env.KASTRA_TLS_CERT, 'utf8');
  const key = fs.readFileSync(env.KASTRA_TLS_KEY, 'utf8');
  const ca = env.KASTRA_TLS_CA ? fs.readFileSync(env.KASTRA_TLS_CA, 'utf8') : cert;
  const material = { cert, key, ca };
  if (!new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))) {
    throw new Error('KASTRA_TLS_KEY is not the private key of KASTRA_TLS_CERT');
  }
  return material;
}

/** A fresh CA and a server certificate it signed, for localhost, 127.0.0.1 and ::1. */
export function generateDevelopmentCertificate(now = new Date()): TlsMaterial {
  const caKeys = rsaKeyPair();
  const serverKeys = rsaKeyPair();
  const notAfter = new Date(now.getTime() + VALIDITY_DAYS * 24 * 60 * 60 * 1000);
  // Backdated a little so clocks slightly behind ours accept it.
  const notBefore = new Date(now.getTime() - 5 * 60 * 1000);

  const ca = forge.pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = serialNumber();
  ca.validity.notBefore = notBefore;
  ca.validity.notAfter = notAfter;
  const caName = [{ name: 'commonName', value: CA_COMMON_NAME }, { name: 'organizationName', value: 'Kastra' }];
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const server = forge.pki.createCertificate();
  server.publicKey = serverKeys.publicKey;
  server.serialNumber = serialNumber();
  server.validity.notBefore = notBefore;
  server.validity.notAfter = notAfter;
  server.setSubject([{ name: 'commonName', value: 'localhost' }, { name: 'organizationName', value: 'Kastra' }]);
  server.setIssuer(caName);
  server.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        ...SERVER_DNS_NAMES.map((value) => ({ type: 2, value })),
        ...SERVER_IP_ADDRESSES.map((ip) => ({ type: 7, ip })),
      ],
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  server.sign(caKeys.privateKey, forge.md.sha256.create());

  // forge writes CRLF line ends; PEM files on disk and in kubeconfigs conventionally use LF.
  const lf = (pem: string) => pem.replace(/\r\n/g, '\n');
  return {
    ca: lf(forge.pki.certificateToPem(ca)),
    cert: lf(forge.pki.certificateToPem(server)),
    key: lf(forge.pki.privateKeyToPem(serverKeys.privateKey)),
  };
}

/** Node's native RSA generation: node-forge's pure-JS one takes seconds. */
function rsaKeyPair(): { publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey } {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const forgeKey = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e) };
}

/** 16 random bytes with the top bit clear: X.509 serials must be positive. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  bytes[0] |= 0x01;
  return bytes.toString('hex');
}

function readTlsDir(dir: string): TlsMaterial | undefined {
  try {
    return {
      ca: fs.readFileSync(path.join(dir, FILES.ca), 'utf8'),
      cert: fs.readFileSync(path.join(dir, FILES.cert), 'utf8'),
      key: fs.readFileSync(path.join(dir, FILES.key), 'utf8'),
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Parses, matches key to certificate, checks the CA signature and that neither expires soon. */
function isUsable(material: TlsMaterial, now = Date.now()): boolean {
  try {
    const ca = new X509Certificate(material.ca);
    const cert = new X509Certificate(material.cert);
    const expiresSoon = (c: X509Certificate) => new Date(c.validTo).getTime() - now < RENEW_BEFORE_MS;
    return (
      cert.checkPrivateKey(createPrivateKey(material.key)) &&
      cert.verify(ca.publicKey) &&
      !expiresSoon(ca) &&
      !expiresSoon(cert)
    );
  } catch {
    return false;
  }
}

/**
 * The three files must match, so they are written together into a private directory that is
 * renamed into place in one step; a concurrent winner's directory is kept.
 * @returns whether this call's material was installed.
 */
function installTlsDir(dir: string, material: TlsMaterial): boolean {
  fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o700 });
  const staging = `${dir}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  fs.mkdirSync(staging, { mode: 0o700 });
  fs.writeFileSync(path.join(staging, FILES.ca), material.ca, { mode: 0o644 });
  fs.writeFileSync(path.join(staging, FILES.cert), material.cert, { mode: 0o644 });
  fs.writeFileSync(path.join(staging, FILES.key), material.key, { mode: 0o600 });
  const current = fs.existsSync(dir) ? readTlsDir(dir) : undefined;
  if (current && isUsable(current)) {
    // A concurrent start renewed it meanwhile.
    fs.rmSync(staging, { recursive: true, force: true });
    return false;
  }
  if (fs.existsSync(dir)) {
    // Expired or broken: moved aside rather than deleted, so it can still be inspected.
    try {
      fs.renameSync(dir, `${dir}.replaced-${Date.now()}-${process.pid}`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  try {
    fs.renameSync(staging, dir);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    fs.rmSync(staging, { recursive: true, force: true });
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    return false;
  }
}
