import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type Pool } from 'pg';
import { freePort } from './free-port';

/** Transaction ids on one pg_xact page: a cluster may only start its next id at a page's first. */
const XACT_IDS_PER_PAGE = 32_768;

export interface PrivatePostgres {
  /** Connection string of the `postgres` database of this cluster. */
  url: string;
  /** Stops the server and removes its data directory. */
  stop(): Promise<void>;
}

export interface PrivatePostgresOptions {
  /**
   * The cluster's transaction counter starts at the last pg_xact page boundary at or below this
   * id (within 32,768 of it): tests use it to put the log just below a power of ten without
   * burning millions of ids on a shared server.
   */
  nextTransactionIdNear?: number;
}

/**
 * A throwaway PostgreSQL cluster of the machine's own binaries (initdb, pg_resetwal, pg_ctl) on a
 * free port, for the tests that must move cluster-wide counters. Runs as the `postgres` user when
 * the test runs as root (initdb refuses root).
 */
export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'kastra-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, uidOf('postgres'), gidOf('postgres'));
  const run = (program: string, args: string[]) => {
    const command = asRoot ? 'runuser' : join(bin, program);
    const argv = asRoot ? ['-u', 'postgres', '--', join(bin, program), ...args] : args;
    const result = spawnSync(command, argv, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${program} failed: ${result.stderr || result.stdout}`);
  };
  const data = join(dir, 'data');
  const port = await freePort();
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  if (options.nextTransactionIdNear !== undefined) {
    const next = Math.floor(options.nextTransactionIdNear / XACT_IDS_PER_PAGE) * XACT_IDS_PER_PAGE;
    run('pg_resetwal', ['-x', String(next), '-D', data]);
  }
  run('pg_ctl', [
    '-D', data, '-w', '-l', join(dir, 'server.log'),
    '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200`,
    'start',
  ]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Uses up transaction ids until the next one is `target` (a procedure that commits in a loop
 * takes ~200k ids a second). The caller's own later transactions then get ids from `target` on.
 */
export async function advanceTransactionIdTo(pool: Pool | Client, target: bigint): Promise<void> {
  await pool.query(`CREATE OR REPLACE PROCEDURE kastra_test_burn_xids(n bigint) LANGUAGE plpgsql AS $$
    BEGIN FOR i IN 1..n LOOP PERFORM pg_current_xact_id(); COMMIT; END LOOP; END $$`);
  const { rows } = await pool.query<{ next: string }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS next');
  // The CALL itself and the SELECT above each take one id.
  const burn = target - BigInt(rows[0].next) - 1n;
  if (burn < 0n) throw new Error(`transaction ids are already past ${target}`);
  if (burn > 0n) await pool.query('CALL kastra_test_burn_xids($1)', [burn.toString()]);
}

function postgresBinDir(): string {
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (existsSync(join(dir, 'initdb'))) return dir;
  } catch {
    // pg_config is not always on PATH (Debian keeps the server binaries per version).
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) if (existsSync(join(root, version, 'bin', 'initdb'))) return join(root, version, 'bin');
  throw new Error('no PostgreSQL server binaries (initdb, pg_resetwal, pg_ctl) found: install the postgresql package');
}

function uidOf(user: string): number {
  return Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
}

function gidOf(user: string): number {
  return Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
}
