import pino from 'pino';

/** The little of a pino logger the key loaders need, so callers can pass their service logger. */
export interface WarningLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

let fallback: WarningLogger | undefined;

/** A pino logger on stderr: the CLI prints tokens on stdout and must keep it clean. */
export function defaultWarningLogger(): WarningLogger {
  fallback ??= pino({ name: 'kastra-auth' }, pino.destination({ dest: 2, sync: true }));
  return fallback;
}
