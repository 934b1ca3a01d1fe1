import pino from 'pino';
import { createLogger } from '@kastra/telemetry';

/** The little of a pino logger the key loaders need, so callers can pass their service logger. */
export interface WarningLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

let fallback: WarningLogger | undefined;

/** The Kastra logger, on stderr: the CLI prints tokens on stdout and must keep it clean. */
export function defaultWarningLogger(): WarningLogger {
  fallback ??= createLogger('kastra-auth', { destination: pino.destination({ dest: 2, sync: true }) });
  return fallback;
}
