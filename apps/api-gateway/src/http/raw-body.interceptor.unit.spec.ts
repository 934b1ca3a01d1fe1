import { connect } from 'node:net';
import { type CanActivate, Controller, type ExecutionContext, type INestApplication, Module, Post, Req } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { JwtAuthority, principalFromAuthorizationHeader } from '@kastra/auth';
import { createLogger } from '@kastra/telemetry';
import { configureGatewayApp } from '../configure-gateway-app';
import type { RequestWithRawBody } from './raw-body.middleware';

const authority = new JwtAuthority('raw-body-test-secret-of-enough-length');
const BODY_BYTES = 3 * 1024 * 1024 - 16;

/** A guard as the gateway's: a valid bearer token or 401 (UnauthorizedError). */
class TokenGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    principalFromAuthorizationHeader(context.switchToHttp().getRequest<RequestWithRawBody>().headers.authorization, authority);
    return true;
  }
}

@Controller('probe')
class ProbeController {
  @Post()
  sizeOf(@Req() req: RequestWithRawBody): { bytes: number } {
    return { bytes: req.rawBody?.length ?? -1 };
  }
}

/** Sends the request line and headers, then only `sent` bytes of the body, and returns what comes back within `waitMs`. */
function sendPartially(port: number, headers: Record<string, string>, sent: string, waitMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (data) => (answer += data.toString('utf8')));
    socket.on('error', reject);
    socket.on('connect', () => {
      const lines = Object.entries({ host: 'localhost', 'content-type': 'application/json', 'content-length': String(BODY_BYTES), ...headers }).map(([name, value]) => `${name}: ${value}`);
      socket.write(`POST /probe HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n${sent}`);
    });
    setTimeout(() => {
      socket.destroy();
      resolve(answer);
    }, waitMs);
  });
}

describe('gateway body reading', () => {
  let app: INestApplication;
  let port: number;

  beforeAll(async () => {
    @Module({ controllers: [ProbeController], providers: [{ provide: APP_GUARD, useClass: TokenGuard }] })
    class ProbeModule {}
    app = await NestFactory.create(ProbeModule, { bodyParser: false, logger: false });
    configureGatewayApp(app, createLogger('raw-body-test'));
    await app.listen(0, '127.0.0.1');
    port = Number(new URL(await app.getUrl()).port);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('answers an anonymous request 401 before its body has been sent', async () => {
    // Given a client that announces a 3 MiB body and sends its headers and a few bytes only
    // When it waits
    const answer = await sendPartially(port, {}, '{"a":', 1500);
    // Then the 401 Status has already come back, without the server waiting for the body
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(answer).toContain('"kind":"Status"');
  });

  it('waits for and reads the whole body of an authenticated request', async () => {
    // Given an authenticated client that also sends only the start of its body
    const token = authority.issue({ sub: 'ann', role: 'user' });
    // When it waits as long
    const partial = await sendPartially(port, { authorization: `Bearer ${token}` }, '{"a":', 1500);
    // Then nothing is answered yet: the handler needs the body
    expect(partial).toBe('');
    // And a whole body is read and handed to the handler
    const response = await fetch(`http://127.0.0.1:${port}/probe`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ a: 'x'.repeat(BODY_BYTES - 8) }),
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ bytes: BODY_BYTES });
  });

  it('answers an authenticated body over 3 MiB with a 413 Status', async () => {
    const token = authority.issue({ sub: 'ann', role: 'user' });
    const response = await fetch(`http://127.0.0.1:${port}/probe`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: 'x'.repeat(3 * 1024 * 1024 + 1),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { reason: string }).reason).toBe('RequestEntityTooLarge');
  });
});
