import { Writable } from 'node:stream';
import { createLogger } from './create-logger';
import { PinoNestLogger } from './pino-nest-logger';

function capture(): { lines: () => Record<string, unknown>[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, lines: () => chunks.join('').trim().split('\n').map((line) => JSON.parse(line)) };
}

describe('createLogger', () => {
  it('writes JSON with service and pid and redacts credentials', () => {
    // Given a logger on a captured stream
    const out = capture();
    const logger = createLogger('llm-proxy', { destination: out.stream, level: 'info' });

    // When credentials are logged at several depths
    logger.info(
      {
        req: { headers: { authorization: 'Bearer abc.def', host: 'x' } },
        provider: { apiKey: 'sk-live-1', name: 'openai' },
        api_key: 'sk-2',
        token: 'jwt',
        user: { password: 'hunter2' },
      },
      'calling provider',
    );

    // Then none of them reaches the output, the rest does
    const [line] = out.lines();
    const text = JSON.stringify(line);
    for (const secret of ['abc.def', 'sk-live-1', 'sk-2', 'jwt', 'hunter2']) expect(text).not.toContain(secret);
    expect(line).toMatchObject({ service: 'llm-proxy', pid: process.pid, level: 'info', msg: 'calling provider' });
    expect(line.provider).toEqual({ apiKey: '[REDACTED]', name: 'openai' });
    expect((line.req as { headers: Record<string, string> }).headers.host).toBe('x');
  });

  it('redacts the data of a Secret resource wherever it is nested, without touching the input', () => {
    const out = capture();
    const logger = createLogger('api-gateway', { destination: out.stream });
    const secret = { kind: 'Secret', metadata: { name: 'keys' }, data: { OPENAI: 'c2stbGl2ZQ==' } };

    // When a whole Secret is logged inside an event and a list
    logger.info({ event: { resource: secret }, items: [{ kind: 'Secret', spec: { data: { k: 'v1' } } }] });

    // Then its data is censored, its name kept, and the caller's object is unchanged
    const text = JSON.stringify(out.lines()[0]);
    expect(text).not.toContain('c2stbGl2ZQ==');
    expect(text).not.toContain('v1');
    expect(text).toContain('keys');
    expect(secret.data.OPENAI).toBe('c2stbGl2ZQ==');
  });

  it('honours the level', () => {
    const out = capture();
    const logger = createLogger('x', { destination: out.stream, level: 'warn' });
    logger.info('hidden');
    logger.warn('shown');
    expect(out.lines().map((l) => l.msg)).toEqual(['shown']);
  });
});

describe('PinoNestLogger', () => {
  it('turns Nest calls into JSON lines with the context', () => {
    // Given Nest's logger over pino
    const out = capture();
    const nest = new PinoNestLogger(createLogger('svc', { destination: out.stream, level: 'trace' }));

    // When Nest logs the way it does
    nest.log('Mapped {/healthz, GET} route', 'RouterExplorer');
    nest.error('boom', 'Error: boom\n    at x', 'ExceptionHandler');
    nest.warn({ msg: 'slow', ms: 12 }, 'Db');

    // Then each line carries level, message and context
    const [log, error, warn] = out.lines();
    expect(log).toMatchObject({ level: 'info', msg: 'Mapped {/healthz, GET} route', context: 'RouterExplorer' });
    expect(error).toMatchObject({ level: 'error', msg: 'boom', context: 'ExceptionHandler' });
    expect(error.stack).toContain('at x');
    expect(warn).toMatchObject({ level: 'warn', msg: 'slow', ms: 12, context: 'Db' });
  });
});
