import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { Pool } from 'pg';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { EventStore, migrate } from '@kastra/event-store';
import { createTestDatabase, deleteTestStreams, eventually, REPO, TEST_NATS_URL, testNatsPrefix, type TestDatabase } from '@kastra/testing';
import { natsNames } from './nats-names';
import { relaySessionName } from './testing/event-relay-process';

const RELAY_PROCESS = path.join(REPO, 'dist/libs/messaging/src/testing/event-relay-process.js');

/** A relay in its own process from dist/, with what it wrote to stdout and stderr. */
interface RelayProcess {
  child: ChildProcess;
  pid: number;
  logs(): string;
}

function startRelayProcess(env: NodeJS.ProcessEnv): RelayProcess {
  const child = spawn(process.execPath, [RELAY_PROCESS], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  return { child, pid: child.pid!, logs: () => output };
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('event relay leader killed with -9 while events are appended', () => {
  let db: TestDatabase;
  let pool: Pool;
  let nc: NatsConnection;
  const prefix = testNatsPrefix('failover');
  const relays: RelayProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('relayfailover');
    pool = db.pool({ max: 10 });
    await migrate(pool);
    nc = await connect({ servers: TEST_NATS_URL });
  });

  afterAll(async () => {
    for (const relay of relays) relay.child.kill('SIGKILL');
    await Promise.all(relays.map((relay) => exited(relay.child)));
    await nc?.close();
    await db?.drop();
    await deleteTestStreams(prefix);
  });

  /** The application_name of the session holding the relay's advisory lock (`relay-<pid>`), if any. */
  async function leaderSession(): Promise<string | undefined> {
    const { rows } = await pool.query<{ name: string }>(
      `SELECT a.application_name AS name
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND ((l.classid::int8 << 32) | l.objid::int8) = hashtextextended($1, 0)`,
      [`relay:${prefix}`],
    );
    return rows[0]?.name;
  }

  async function hasSession(pid: number): Promise<boolean> {
    const { rows } = await pool.query('SELECT 1 FROM pg_stat_activity WHERE application_name = $1', [relaySessionName(pid)]);
    return rows.length > 0;
  }

  it('a stand-by takes over and JetStream holds every appended event exactly once', async () => {
    // Given two relay processes on one database and prefix, one leading, the other standing by
    const names = natsNames(prefix);
    const env = { DATABASE_URL: db.url, KASTRA_NATS_PREFIX: prefix, NATS_URL: TEST_NATS_URL, LOG_LEVEL: 'info' };
    const first = startRelayProcess(env);
    relays.push(first);
    await eventually(async () => (await leaderSession()) === relaySessionName(first.pid), 30_000, 100);
    const standBy = startRelayProcess(env);
    relays.push(standBy);
    // Its lock session is open (it has tried the lock and stands by)
    await eventually(() => hasSession(standBy.pid), 30_000, 100);
    const leader = first;
    expect(await leaderSession()).toBe(relaySessionName(leader.pid));
    // Every message published on the events subjects, duplicates included (JetStream drops
    // duplicates in the stream; a plain subscriber sees each publish). When the leader is well into
    // a backlog of several relay batches (500 events each), it is killed from here at once.
    const store = new EventStore(pool);
    const appended: string[] = [];
    const published = new Map<string, number>();
    const burstIds = new Set<string>();
    let burstSeen = 0;
    let atKill: { relayed: number; appended: number; standByLogs: string } | undefined;
    const tap = nc.subscribe(names.allEventsSubject, {
      callback: (error, msg) => {
        const id = msg.headers?.get('Nats-Msg-Id');
        if (error || !id) return;
        published.set(id, (published.get(id) ?? 0) + 1);
        if (burstIds.has(id) && ++burstSeen >= 700 && !atKill) {
          atKill = { relayed: published.size, appended: appended.length, standByLogs: standBy.logs() };
          process.kill(leader.pid, 'SIGKILL');
        }
      },
    });
    await nc.flush();

    // When events are appended continuously by several writers, and a burst of 3000 in one
    // transaction, and the leader's process is killed with -9 while it publishes the burst
    let appending = true;
    const writer = async (w: number) => {
      for (let i = 0; appending; i++) {
        const result = await store.append(`failover:w${w}-${i % 25}`, [
          { type: 'Appended', data: { w, i } },
          { type: 'Appended', data: { w, i, second: true } },
        ]);
        appended.push(...result.events.map((event) => event.eventId));
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
    };
    const writers = Promise.all([0, 1, 2].map(writer));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const burst = await store.append('failover:burst', Array.from({ length: 3000 }, (_, i) => ({ type: 'Burst', data: { i } })));
    for (const event of burst.events) burstIds.add(event.eventId);
    // (the tap may have seen some burst messages before their ids were known here: count those too)
    burstSeen = [...published.keys()].filter((id) => burstIds.has(id)).length;
    appended.push(...burst.events.map((event) => event.eventId));
    await eventually(async () => atKill, 60_000, 20);
    const death = await exited(leader.child);
    // the writers go on after the kill, while there is no leader and after the take-over
    await new Promise((resolve) => setTimeout(resolve, 2500));
    appending = false;
    await writers;
    const kill = atKill!;
    const appendedAfterKill = appended.length - kill.appended;

    // Then the killed process was the leader: its lock session, its own log, and the stand-by
    // had not led; it died by the signal
    expect(leader.logs()).toMatch(new RegExp(`"pid":${leader.pid}[^\\n]*"msg":"event relay: leading"`));
    expect(kill.standByLogs).not.toContain('event relay: leading');
    expect(death).toEqual({ code: null, signal: 'SIGKILL' });
    // and it was killed mid-stream: appended events were still to be relayed, and more came after
    expect(kill.relayed).toBeLessThan(kill.appended);
    expect(appendedAfterKill).toBeGreaterThan(0);
    const streamMessages = async () => (await (await jetstreamManager(nc)).streams.info(names.eventsStream)).state.messages;
    // and the stand-by took over: it holds the lock and says so
    await eventually(async () => (await leaderSession()) === relaySessionName(standBy.pid), 30_000, 100);
    expect(standBy.logs()).toMatch(new RegExp(`"pid":${standBy.pid}[^\\n]*"msg":"event relay: leading"`));
    // and the stream ends up with exactly the appended events, each once
    await eventually(async () => (await streamMessages()) >= appended.length, 60_000, 200);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await streamMessages()).toBe(appended.length);
    const inStream = await readStreamIds(nc, names.eventsStream, appended.length);
    expect(inStream.length).toBe(appended.length);
    expect(new Set(inStream).size).toBe(appended.length);
    expect(new Set(inStream)).toEqual(new Set(appended));
    tap.unsubscribe();
    // and the failover did re-publish (the killed leader's unfinished batch: its checkpoint had
    // not moved), which JetStream dropped by message id — each of those is once in the stream
    const republished = [...published.values()].filter((count) => count > 1).length;
    expect(republished).toBeGreaterThan(0);
    console.info(
      `relay failover: ${appended.length} events (${appendedAfterKill} after the kill), ${kill.relayed} published at the kill, ` +
        `${republished} re-published by the new leader and dropped as duplicates`,
    );
  }, 180_000);
});

/** The event ids of every message in the stream, read from its start by an ordered consumer. */
async function readStreamIds(nc: NatsConnection, stream: string, expected: number): Promise<string[]> {
  const consumer = await jetstream(nc).consumers.get(stream);
  const ids: string[] = [];
  while (ids.length < expected) {
    const batch = await consumer.fetch({ max_messages: 1000, expires: 2000 });
    let got = 0;
    for await (const msg of batch) {
      ids.push((msg.json() as { eventId: string }).eventId);
      got++;
    }
    if (got === 0) break;
  }
  return ids;
}
