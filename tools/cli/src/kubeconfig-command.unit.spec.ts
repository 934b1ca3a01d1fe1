import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { JwtAuthority, loadDevelopmentSecrets } from '@kastra/auth';
import { buildKubeconfig } from './kubeconfig-command';
import { main } from './main';
import { recordingContext } from './test-context';

describe('buildKubeconfig', () => {
  it('names one cluster, user and context kastra, with the CA as base64 and the current context set', () => {
    const config = parse(buildKubeconfig({ server: 'https://127.0.0.1:8443', caPem: '-----BEGIN CERTIFICATE-----\nX\n', token: 'tok' }));
    expect(config).toEqual({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'kastra', cluster: { server: 'https://127.0.0.1:8443', 'certificate-authority-data': Buffer.from('-----BEGIN CERTIFICATE-----\nX\n').toString('base64') } }],
      users: [{ name: 'kastra-admin', user: { token: 'tok' } }],
      contexts: [{ name: 'kastra', context: { cluster: 'kastra', user: 'kastra-admin', namespace: 'default' } }],
      'current-context': 'kastra',
      preferences: {},
    });
  });
});

describe('kastra kubeconfig and kastra token', () => {
  let home: string;
  beforeAll(() => (home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-cli-'))));
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));
  const env = () => ({ KASTRA_HOME: home });

  it('kubeconfig embeds the development CA of KASTRA_HOME and a year-long admin token', async () => {
    // Given a home, When kubeconfig runs with a server
    const ctx = recordingContext(env(), '/');
    expect(await main(['kubeconfig', '--server', 'https://localhost:9443'], ctx)).toBe(0);
    // Then the CA is the one on disk and the token verifies as admin with the home's secret
    const config = parse(ctx.out);
    const ca = Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64').toString();
    expect(ca).toBe(fs.readFileSync(path.join(home, 'tls', 'ca.crt'), 'utf8'));
    expect(new X509Certificate(ca).subject).toContain('kastra-dev-ca');
    expect(config.clusters[0].cluster.server).toBe('https://localhost:9443');
    const authority = new JwtAuthority(loadDevelopmentSecrets(home, { env: {} }).jwtSecret);
    expect(authority.verify(config.users[0].user.token)).toEqual({ sub: 'kastra-admin', groups: ['system:masters', 'system:authenticated'] });
  });

  it('token prints one verifiable JWT with the given role, user and ttl', async () => {
    const ctx = recordingContext(env(), '/');
    expect(await main(['token', '--role', 'user', '--user', 'dana', '--ttl', '15m'], ctx)).toBe(0);
    const token = ctx.out.trim();
    expect(ctx.out).toBe(`${token}\n`);
    const authority = new JwtAuthority(loadDevelopmentSecrets(home, { env: {} }).jwtSecret);
    expect(authority.verify(token)).toEqual({ sub: 'dana', groups: ['system:authenticated'] });
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    expect(claims.exp - claims.iat).toBe(900);
  });

  it('resolves a relative KASTRA_HOME against the working directory', async () => {
    const ctx = recordingContext({ KASTRA_HOME: 'rel-home' }, home);
    expect(await main(['token', '--role', 'admin'], ctx)).toBe(0);
    expect(fs.existsSync(path.join(home, 'rel-home', 'jwt-secret'))).toBe(true);
  });

  it('token --role admin is a cluster-admin token: the group system:masters', async () => {
    const ctx = recordingContext(env(), '/');
    expect(await main(['token', '--role', 'admin', '--user', 'root'], ctx)).toBe(0);
    const authority = new JwtAuthority(loadDevelopmentSecrets(home, { env: {} }).jwtSecret);
    expect(authority.verify(ctx.out.trim())).toEqual({ sub: 'root', groups: ['system:masters', 'system:authenticated'] });
  });

  it('rejects a missing or unknown role and a bad ttl with exit code 1 and nothing on stdout', async () => {
    for (const args of [['token'], ['token', '--role', 'root'], ['token', '--role', 'user', '--ttl', 'soon'], ['token', '--role', 'admin', '--namespace', 'x']]) {
      const ctx = recordingContext(env(), '/');
      expect(await main(args, ctx)).toBe(1);
      expect(ctx.out).toBe('');
      expect(ctx.err).toMatch(/role|ttl|namespace/);
    }
  });
});
