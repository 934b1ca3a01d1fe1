import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkDataSource, withoutCredentials } from './datasource-check';

describe('checking a DataSource', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/private') {
        res.writeHead(req.headers.authorization === `Basic ${Buffer.from('reader:pa ss').toString('base64')}` ? 200 : 401);
        return res.end();
      }
      res.writeHead(req.url === '/ok' ? 200 : 500);
      res.end('x');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('finds an HTTP source Ready when a GET answers 2xx, and says what it answered otherwise', async () => {
    expect(await checkDataSource({ type: 'http', http: { url: `${base}/ok` } })).toEqual({ ready: true, reason: 'Reachable', message: `GET ${base}/ok answered 200` });
    expect(await checkDataSource({ type: 'http', http: { url: `${base}/broken` } })).toMatchObject({ ready: false, reason: 'UnexpectedStatus' });
  });

  it('finds an unreachable source not Ready naming the cause, never showing credentials of the URL', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const outcome = await checkDataSource({ type: 'http', http: { url: `http://user:s3cret@127.0.0.1:${closed}/data` } });
    expect(outcome).toMatchObject({ ready: false, reason: 'Unreachable' });
    expect(outcome.message).toContain('ECONNREFUSED');
    expect(outcome.message).not.toContain('s3cret');
    expect(withoutCredentials('https://a:b@example.com/x')).toBe('https://example.com/x');
  });

  it('connects to Postgres (the test server at 127.0.0.1:5432) and reports a database that does not exist', async () => {
    expect(await checkDataSource({ type: 'postgres', postgres: { host: '127.0.0.1', port: 5432, database: 'postgres', user: 'postgres' } })).toMatchObject({ ready: true, reason: 'Connected' });
    const missing = await checkDataSource({ type: 'postgres', postgres: { host: '127.0.0.1', database: 'no_such_database_here', user: 'postgres' } });
    expect(missing).toMatchObject({ ready: false, reason: 'ConnectionFailed' });
    expect(missing.message).toContain('no_such_database_here');
  });

  it('sends user and password of the URL as Basic authentication, never in messages', async () => {
    const good = await checkDataSource({ type: 'http', http: { url: `http://reader:pa%20ss@${base.slice(7)}/private` } });
    expect(good).toEqual({ ready: true, reason: 'Reachable', message: `GET ${base}/private answered 200` });
    const bad = await checkDataSource({ type: 'http', http: { url: `http://reader:wrong@${base.slice(7)}/private` } });
    expect(bad).toMatchObject({ ready: false, reason: 'UnexpectedStatus' });
    expect(bad.message).not.toContain('wrong');
  });

  it('refuses a spec without the fields of its type', async () => {
    expect(await checkDataSource({ type: 'http' })).toMatchObject({ ready: false, reason: 'InvalidSpec' });
    expect(await checkDataSource({ type: 'postgres' })).toMatchObject({ ready: false, reason: 'InvalidSpec' });
  });
});
