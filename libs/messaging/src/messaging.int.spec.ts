import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { EventStore, migrate, storeCheckpoint, LOG_START } from '@kastra/event-store';
import { createTestDatabase, deleteTestStreams, eventually, testNatsPrefix, TEST_NATS_URL, type TestDatabase } from '@kastra/testing';
import { DurableConsumer } from './durable-consumer';
import { startEventRelay, type EventRelay } from './event-relay';
import { natsNames } from './nats-names';

const ROOT = join(__dirname, '../../..');

describe('event relay and durable consumers (Postgres + JetStream)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let nc: NatsConnection;
  let prefix: string;
  let store: EventStore;
  const relays: EventRelay[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('messaging');
    pool = db.pool({ max: 20 });
    await migrate(pool);
    await pool.query('CREATE TABLE test_effects (event_id uuid NOT NULL, pid int NOT NULL)');
    nc = await connect({ servers: TEST_NATS_URL });
    prefix = testNatsPrefix('msg');
    store = new EventStore(pool);
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    for (const relay of relays) await relay.stop();
    await nc.close();
    await deleteTestStreams(prefix);
    await db.drop();
  });

  async function streamMessages(): Promise<number> {
    const jsm = await jetstreamManager(nc);
    return (await jsm.streams.info(natsNames(prefix).eventsStream)).state.messages;
  }

  it('relays every event committed by concurrent appenders exactly once, with one leader of two relays', async () => {
    // Given two relays on one database (only one may lead)
    relays.push(await startEventRelay({ pool, nc, prefix, databaseUrl: db.url }));
    relays.push(await startEventRelay({ pool, nc, prefix, databaseUrl: db.url }));
    const received = new Map<string, number>();
    const consumer = new DurableConsumer({
      nc,
      prefix,
      durableName: 'relay-check',
      filterSubject: natsNames(prefix).categorySubject('burst'),
      handle: async (event) => void received.set(event.eventId, (received.get(event.eventId) ?? 0) + 1),
    });
    await consumer.start();
    // When 6 appenders write 50 events each
    const written: string[] = [];
    await Promise.all(
      Array.from({ length: 6 }, async (_, w) => {
        for (let i = 0; i < 50; i++) {
          const r = await store.append(`burst:w${w}-${i}`, [{ type: 'Burst', data: { w, i } }], { metadata: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
          written.push(r.events[0].eventId);
        }
      }),
    );
    // Then each reaches the consumer once
    await eventually(async () => received.size === written.length, 20000);
    expect([...received.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(written)).toEqual(new Set(received.keys()));
    expect(relays.filter((r) => r.isLeader)).toHaveLength(1);
    await consumer.stop();
  });

  it('does not publish an event twice when the relay replays from an old checkpoint', async () => {
    const before = await streamMessages();
    // When the checkpoint is lost (a crash between publish and checkpoint) and a relay starting
    // after it replays (a leader keeps its position in memory: the relays stop first)
    for (const relay of relays.splice(0)) await relay.stop();
    await pool.query(`DELETE FROM kastra_checkpoints`);
    await storeCheckpoint(pool, `relay:${prefix}`, LOG_START);
    relays.push(await startEventRelay({ pool, nc, prefix, databaseUrl: db.url }));
    await store.append('burst:after-reset', [{ type: 'Burst', data: {} }]);
    await eventually(async () => (await streamMessages()) === before + 1, 15000);
    await new Promise((r) => setTimeout(r, 500));
    // Then JetStream dropped every re-published event by its id
    expect(await streamMessages()).toBe(before + 1);
  });

  it('relays an event larger than NATS max_payload without its data instead of stalling', async () => {
    // Given a relay and an event of 1.5 MB (the server's max_payload is 1 MB by default)
    if (relays.length === 0) relays.push(await startEventRelay({ pool, nc, prefix, databaseUrl: db.url }));
    const received: { type: string; omitted: boolean; data: unknown }[] = [];
    const consumer = new DurableConsumer({
      nc,
      prefix,
      durableName: 'large-check',
      filterSubject: natsNames(prefix).categorySubject('large'),
      handle: async (event) => void received.push({ type: event.type, omitted: Object.keys(event.data).length === 0, data: event.data }),
    });
    await consumer.start();
    // When it is appended, followed by a small one
    await store.append('large:one', [{ type: 'Big', data: { blob: 'x'.repeat(1_500_000) } }]);
    await store.append('large:two', [{ type: 'Small', data: { n: 1 } }]);
    // Then both arrive, the big one without its data, and the relay goes on
    await eventually(async () => received.length === 2, 15000);
    expect(received.map((r) => [r.type, r.omitted])).toEqual([['Big', true], ['Small', false]]);
    await consumer.stop();
  });

  it('applies every event exactly once across consumer processes killed mid-handling', async () => {
    if (relays.length === 0) relays.push(await startEventRelay({ pool, nc, prefix, databaseUrl: db.url }));
    const total = 300;
    await Promise.all(Array.from({ length: total }, (_, i) => store.append(`count:${i}`, [{ type: 'Count', data: { i } }])));
    const spawnConsumer = () =>
      new Promise<ChildProcess>((resolve) => {
        const child = fork(join(ROOT, 'libs/messaging/test/counting-consumer.ts'), [db.url, TEST_NATS_URL, prefix], {
          execArgv: ['-r', join(ROOT, 'tools/scripts/swc-register.js')],
          stdio: 'ignore',
        });
        children.push(child);
        child.once('message', () => resolve(child));
      });
    const effects = async () => Number((await pool.query('SELECT count(*) FROM test_effects')).rows[0].count);
    // When two consumer replicas run and are killed -9 several times while handling
    let a = await spawnConsumer();
    let b = await spawnConsumer();
    for (let round = 0; round < 3; round++) {
      const progress = await effects();
      await eventually(async () => (await effects()) > progress + 20, 20000, 10);
      a.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 30 + Math.random() * 60));
      b.kill('SIGKILL');
      a = await spawnConsumer();
      b = await spawnConsumer();
    }
    // Then in the end every event has exactly one effect
    await eventually(async () => (await effects()) >= total, 40000);
    await new Promise((r) => setTimeout(r, 2000)); // let redeliveries of acked-late messages arrive
    for (const child of children) child.kill('SIGKILL');
    const { rows } = await pool.query('SELECT event_id, count(*)::int AS n FROM test_effects GROUP BY event_id');
    expect(rows).toHaveLength(total);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    expect(new Set((await pool.query('SELECT DISTINCT pid FROM test_effects')).rows.map((r) => r.pid)).size).toBeGreaterThan(2);
  });
});
