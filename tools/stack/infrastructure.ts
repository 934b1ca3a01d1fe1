import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Redis } from 'ioredis';

export type Reachability = { ok: true } | { ok: false; reason: string };

/** Connects to the server of `databaseUrl` (its `postgres` database: ours may not exist yet). */
export async function checkPostgres(databaseUrl: string): Promise<Reachability> {
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: describe(error) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The command that would start the local Postgres cluster, for the error message. */
export function postgresStartHint(): string {
  try {
    const clusters = execFileSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const [version, name] = clusters.trim().split('\n')[0]?.trim().split(/\s+/) ?? [];
    if (version && name) return `sudo pg_ctlcluster ${version} ${name} start`;
  } catch {
    // not a Debian-style install
  }
  return 'pg_ctl -D <data directory> start   (or: sudo systemctl start postgresql)';
}

/** Reachable and with JetStream enabled (every Kastra stream needs it). */
export async function checkNats(natsUrl: string): Promise<Reachability> {
  let nc: Awaited<ReturnType<typeof connect>>;
  try {
    nc = await connect({ servers: natsUrl, timeout: 2000, reconnect: false });
  } catch (error) {
    return { ok: false, reason: describe(error) };
  }
  try {
    await jetstreamManager(nc);
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: `JetStream is not enabled (${describe(error)}): restart nats-server with -js` };
  } finally {
    await nc.close().catch(() => undefined);
  }
}

/** Whether `nats-server` is on PATH. */
export function hasNatsServer(): boolean {
  try {
    execFileSync('nats-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Starts a local JetStream-enabled nats-server on the port of `natsUrl`, storing under `storeDir`. */
export function startNatsServer(natsUrl: string, storeDir: string, logFile: string): ChildProcess {
  const port = new URL(natsUrl).port || '4222';
  fs.mkdirSync(storeDir, { recursive: true });
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.openSync(logFile, 'a');
  try {
    return spawn('nats-server', ['-js', '-sd', storeDir, '-a', '127.0.0.1', '-p', port], { stdio: ['ignore', log, log] });
  } finally {
    fs.closeSync(log);
  }
}

/** Whether the URL points at this machine (only then may we start a server for it). */
export function isLocal(url: string): boolean {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host === '[::1]';
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  const err = error as NodeJS.ErrnoException;
  return err?.code ? `${err.code}: ${err.message}` : String(err?.message ?? error);
}

/** Redis answers PING (the llm-proxy keeps its shared rate-limit windows there). */
export async function checkRedis(redisUrl: string): Promise<Reachability> {
  const redis = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: describe(error) };
  } finally {
    redis.disconnect();
  }
}

/** Whether `redis-server` is on PATH. */
export function hasRedisServer(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Starts a local, non-persistent redis-server on the port of `redisUrl`. */
export function startRedisServer(redisUrl: string, logFile: string): ChildProcess {
  const port = new URL(redisUrl).port || '6379';
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.openSync(logFile, 'a');
  try {
    return spawn('redis-server', ['--bind', '127.0.0.1', '--port', port, '--save', '', '--appendonly', 'no'], { stdio: ['ignore', log, log] });
  } finally {
    fs.closeSync(log);
  }
}
