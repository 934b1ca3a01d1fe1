// One event relay in a process of its own, as each gateway or controller-manager replica runs it,
// for tests that kill it with -9 (event-relay-failover.e2e.spec.ts). Not part of the library.
//
//   DATABASE_URL=… KASTRA_NATS_PREFIX=… [NATS_URL=…] node dist/libs/messaging/src/testing/event-relay-process.js
//
// Its Postgres sessions carry `application_name=relay-<pid>`, so a test can read from pg_locks which
// process holds the relay's advisory lock; it logs "event relay: leading" (JSON, with its pid).
import { Pool } from 'pg';
import { connect } from '@nats-io/transport-node';
import { createLogger } from '@kastra/telemetry';
import { startEventRelay } from '../event-relay';

/** The application_name a relay process's sessions carry. */
export function relaySessionName(pid: number): string {
  return `relay-${pid}`;
}

async function main(): Promise<void> {
  const logger = createLogger('event-relay');
  const prefix = process.env.KASTRA_NATS_PREFIX;
  if (!process.env.DATABASE_URL || !prefix) throw new Error('DATABASE_URL and KASTRA_NATS_PREFIX are required');
  const url = new URL(process.env.DATABASE_URL);
  url.searchParams.set('application_name', relaySessionName(process.pid));
  const databaseUrl = url.toString();
  const pool = new Pool({ connectionString: databaseUrl, max: 4 });
  pool.on('error', (error) => logger.warn({ err: String(error) }, 'pool client error'));
  const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  const relay = await startEventRelay({ pool, databaseUrl, nc, prefix, logger });
  logger.info({ prefix }, 'event relay process started');
  const stop = async () => {
    await relay.stop();
    await nc.close();
    await pool.end();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`event relay process failed: ${String(error)}`);
    process.exit(1);
  });
}
