import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { ensureDevelopmentCertificate } from './development-certificate';

function get(url: string, ca: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = https.get(url, { ca }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve(body));
    });
    request.on('error', reject);
  });
}

describe('the development certificate served over HTTPS', () => {
  let home: string;
  let server: https.Server;
  let port: number;
  let ca: string;

  beforeAll(async () => {
    // Given an HTTPS server using the development certificate of a fresh home
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-https-'));
    const material = ensureDevelopmentCertificate(home, { env: {}, logger: { warn: () => undefined } });
    ca = material.ca;
    server = https.createServer({ key: material.key, cert: material.cert }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('is trusted by a client that trusts the CA, by IP and by name', async () => {
    expect(await get(`https://127.0.0.1:${port}/`, ca)).toBe('ok');
    expect(await get(`https://localhost:${port}/`, ca)).toBe('ok');
  });

  it('is refused by a client that does not trust the CA', async () => {
    await expect(get(`https://127.0.0.1:${port}/`, undefined)).rejects.toThrow(/self[- ]signed|unable to (get|verify)/i);
  });

  it('is refused for a host name it was not issued for', async () => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'example.com' });
    await expect(
      new Promise((resolve, reject) => {
        socket.on('secureConnect', resolve);
        socket.on('error', reject);
      }),
    ).rejects.toThrow(/altnames|does not match/i);
    socket.destroy();
  });
});
