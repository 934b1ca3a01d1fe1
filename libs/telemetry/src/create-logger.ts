import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

const CENSOR = '[REDACTED]';

/**
 * Field paths whose values are credentials. pino's wildcards match one level, so each name is
 * listed at the depths where Kastra code actually puts it (top level, under an object, under
 * request/response headers).
 */
const SENSITIVE_NAMES = ['authorization', 'apiKey', 'api_key', 'apiKeys', 'token', 'accessToken', 'password', 'secret'];
export const REDACTED_PATHS: string[] = [
  ...SENSITIVE_NAMES.flatMap((name) => [name, `*.${name}`, `*.*.${name}`]),
  'headers.authorization',
  'headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
];

export interface LoggerOptions {
  /** @default LOG_LEVEL, else `info` */
  level?: string;
  /** Where JSON lines go. @default stdout */
  destination?: DestinationStream;
}

/**
 * The process logger: JSON lines with `service` and `pid`, credentials redacted by path and the
 * `data` of any Secret object replaced wherever it is nested (a whole resource is often logged).
 */
export function createLogger(service: string, options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: CENSOR },
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactSecretData(object, 0) as Record<string, unknown>,
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

const MAX_DEPTH = 5;

/** Copies `value`, replacing `data`/`stringData` of every object whose `kind` is `Secret`. */
function redactSecretData(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object' || value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((item) => redactSecretData(item, depth + 1));
  const source = value as Record<string, unknown>;
  const isSecret = source.kind === 'Secret';
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(source)) {
    let next = redactSecretData(item, depth + 1);
    if (isSecret && (key === 'data' || key === 'stringData') && item !== undefined) next = CENSOR;
    if (isSecret && key === 'spec' && item && typeof item === 'object') {
      next = { ...(item as Record<string, unknown>), ...pickCensored(item as Record<string, unknown>) };
    }
    if (next !== item) {
      copy ??= { ...source };
      copy[key] = next;
    }
  }
  return copy ?? source;
}

function pickCensored(spec: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  if ('data' in spec) out.data = CENSOR;
  if ('stringData' in spec) out.stringData = CENSOR;
  return out;
}
