import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { EventNotifier, EventStore, heldBackRetryMs, migrate, positionOf, readAllEvents, readHeadPosition, readLogBatch, type LogPosition, type NewEvent } from '@kastra/event-store';
import { createTestDatabase, startPrivatePostgres } from '@kastra/testing';
import { percentile, row, runAsScript, type BenchReport, type BenchRow } from './support/bench-report';
import { cleanUpOnStop } from './support/clean-up-on-stop';

/**
 * Events appended per second through `EventStore.append` (stream head, optimistic version check,
 * insert; tailers woken after the commit) against a raw `INSERT INTO` a table of the same shape
 * (same columns, defaults, constraints and indexes) in the same database, same run, same
 * concurrency and payloads. The two are interleaved: each case runs in ROUNDS slices alternating
 * which goes first, so drift of the shared machine hits both alike. The ratio is the price of the
 * event store over the bare insert.
 */
const CASE_MS = Number(process.env.BENCH_CASE_MS ?? 3000);
const ROUNDS = 3;
const WARMUP_MS = 500;
const CONCURRENCY = [1, 4, 16];
const BATCHES = [1, 10];
/** Events per stream before a writer moves to a new one (resource streams are short). */
const EVENTS_PER_STREAM = 20;

const RAW_TABLE_SQL = `
CREATE TABLE bench_raw_events (
  global_position BIGSERIAL PRIMARY KEY,
  transaction_id  XID8        NOT NULL DEFAULT pg_current_xact_id(),
  event_id        UUID        NOT NULL UNIQUE,
  stream_id       TEXT        NOT NULL,
  stream_version  BIGINT      NOT NULL,
  category        TEXT        NOT NULL,
  type            TEXT        NOT NULL,
  data            JSONB       NOT NULL,
  metadata        JSONB       NOT NULL DEFAULT '{}'::jsonb,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (stream_id, stream_version)
);
CREATE INDEX ON bench_raw_events (transaction_id, global_position);`;

const RAW_INSERT_SQL = `
INSERT INTO bench_raw_events (event_id, stream_id, stream_version, category, type, data, metadata)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::jsonb[], $7::jsonb[])`;

/** A typical resource event: an LLM object of about 700 bytes. */
function payload(streamId: string, version: number): NewEvent {
  const name = streamId.split(':').pop() ?? 'x';
  return {
    type: version === 1 ? 'ResourceCreated' : 'ResourceUpdated',
    data: {
      object: {
        apiVersion: 'mastra.ai/v1',
        kind: 'LLM',
        metadata: { name, namespace: 'default', uid: randomUUID(), generation: version, labels: { tier: 'bench', team: 'platform' }, creationTimestamp: new Date().toISOString() },
        spec: { provider: 'mock', model: 'mock-1', options: { temperature: 0.2, maxTokens: 1024 } },
        status: { observedGeneration: version - 1, conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: 'provider mock needs no key', lastTransitionTime: new Date().toISOString() }] },
      },
    },
  };
}

type Appender = (streamId: string, firstVersion: number, events: NewEvent[]) => Promise<void>;

/** Runs `concurrency` writers for `ms`; each append carries `batch` events. Returns events/s. */
async function measure(append: Appender, label: string, concurrency: number, batch: number, ms: number): Promise<{ events: number; seconds: number }> {
  const deadline = performance.now() + ms;
  let events = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, writer) => {
      const newStream = () => `bench:${label}-${writer}-${randomUUID().slice(0, 8)}`;
      let streamId = newStream();
      let version = 0;
      while (performance.now() < deadline) {
        if (version + batch > EVENTS_PER_STREAM) {
          streamId = newStream();
          version = 0;
        }
        const first = version + 1;
        await append(streamId, first, Array.from({ length: batch }, (_, i) => payload(streamId, first + i)));
        version += batch;
        events += batch;
      }
    }),
  );
  return { events, seconds: (performance.now() - started) / 1000 };
}

/** Both appenders, `ROUNDS` slices each, alternating which goes first. Returns events/s of each. */
async function interleaved(raw: Appender, store: Appender, label: string, concurrency: number, batch: number): Promise<{ raw: number; store: number }> {
  const total = { raw: { events: 0, seconds: 0 }, store: { events: 0, seconds: 0 } };
  const add = (into: { events: number; seconds: number }, r: { events: number; seconds: number }) => {
    into.events += r.events;
    into.seconds += r.seconds;
  };
  for (let round = 0; round < ROUNDS; round++) {
    const slice = CASE_MS / ROUNDS;
    if (round % 2 === 0) {
      add(total.raw, await measure(raw, `raw${label}r${round}`, concurrency, batch, slice));
      add(total.store, await measure(store, `store${label}r${round}`, concurrency, batch, slice));
    } else {
      add(total.store, await measure(store, `store${label}r${round}`, concurrency, batch, slice));
      add(total.raw, await measure(raw, `raw${label}r${round}`, concurrency, batch, slice));
    }
  }
  return { raw: total.raw.events / total.raw.seconds, store: total.store.events / total.store.seconds };
}

export async function run(): Promise<BenchReport> {
  const database = await createTestDatabase('bench_append');
  const pool = new Pool({ connectionString: database.url, max: Math.max(...CONCURRENCY) + 2 });
  const cleanUp = cleanUpOnStop(async () => {
    await pool.end();
    await database.drop();
  });
  try {
    await migrate(pool);
    await pool.query(RAW_TABLE_SQL);
    const store = new EventStore(pool);
    const viaStore: Appender = async (streamId, _first, events) => {
      await store.append(streamId, events);
    };
    const viaInsert: Appender = async (streamId, first, events) => {
      await pool.query(RAW_INSERT_SQL, [
        events.map(() => randomUUID()),
        events.map(() => streamId),
        events.map((_, i) => first + i),
        events.map(() => 'bench'),
        events.map((e) => e.type),
        events.map((e) => JSON.stringify(e.data)),
        events.map(() => '{}'),
      ]);
    };
    await measure(viaInsert, 'warm', 4, 1, WARMUP_MS);
    await measure(viaStore, 'warm', 4, 1, WARMUP_MS);
    const rows: BenchRow[] = [];
    for (const batch of BATCHES) {
      for (const concurrency of CONCURRENCY) {
        const { raw, store: appended } = await interleaved(viaInsert, viaStore, `${batch}x${concurrency}`, concurrency, batch);
        const appendsPerSecond = appended / batch;
        rows.push(
          row(`append batch=${batch} writers=${concurrency}`, appended, 'events/s', 'raw INSERT', raw, {
            appendsPerSecond: Math.round(appendsPerSecond),
            rawInsertsPerSecond: Math.round(raw / batch),
          }),
        );
      }
    }
    rows.push(await tailLatency());
    return {
      name: 'event-append',
      description: 'EventStore.append vs raw INSERT of the same rows (events/s); commit -> tailer latency',
      rows,
      notes: [
        `${CASE_MS} ms per case and appender, in ${ROUNDS} interleaved slices; ratio < 1 = slower than the bare insert.`,
        `tail: ${TAIL_BLOCKERS} sessions in back-to-back ${TAIL_BLOCKER_MS} ms transactions that append nothing (they hold the horizon back, wake nobody), an append every ${TAIL_GAP_MS} ms; ratio < 1 = faster than sleeping to the next wake or poll.`,
        ...rows
          .filter((r) => r.details?.appendsPerSecond !== undefined)
          .map((r) => `${r.case}: ${r.details?.appendsPerSecond} appends/s (raw ${r.details?.rawInsertsPerSecond} inserts/s)`),
        ...rows.filter((r) => r.details?.p99 !== undefined).map((r) => `${r.case}: p99 ${r.details?.p99} ms (baseline p99 ${r.details?.baselineP99} ms)`),
      ],
    };
  } finally {
    await cleanUp();
  }
}

const TAIL_BLOCKERS = 4;
const TAIL_BLOCKER_MS = 20;
const TAIL_GAP_MS = 300;
const TAIL_APPENDS = Number(process.env.BENCH_TAIL_APPENDS ?? 30);

/**
 * Commit -> tailer latency while older transactions keep holding the commit-safe horizon back, on
 * a cluster of its own (no other work's transactions). Two tailers of the same category in the
 * same run: one re-reads within ms when readLogBatch says events are held back (the relay's and
 * the watches' loop), the baseline sleeps to the next wake or its 500 ms poll (the loop before).
 */
async function tailLatency(): Promise<BenchRow> {
  const cluster = await startPrivatePostgres();
  const pool = new Pool({ connectionString: cluster.url, max: TAIL_BLOCKERS + 6 });
  const notifier = new EventNotifier(cluster.url);
  const abort = new AbortController();
  try {
    await migrate(pool);
    await notifier.start();
    const store = new EventStore(pool);
    const categories = new Set(['tail']);
    const seen = { rereading: new Map<string, number>(), sleeping: new Map<string, number>() };
    const from = await readHeadPosition(pool);
    const rereading = (async () => {
      let position: LogPosition = from;
      let attempt = 0;
      while (!abort.signal.aborted) {
        const mark = notifier.mark();
        const { events, heldBack } = await readLogBatch(pool, { after: position, categories: ['tail'] });
        for (const event of events) seen.rereading.set(event.eventId, performance.now());
        if (events.length > 0) position = positionOf(events[events.length - 1]);
        if (heldBack) await notifier.wait(abort.signal, heldBackRetryMs(attempt++), undefined, mark);
        else {
          attempt = 0;
          await notifier.wait(abort.signal, 500, categories, mark);
        }
      }
    })();
    const sleeping = (async () => {
      let position: LogPosition = from;
      while (!abort.signal.aborted) {
        const events = await readAllEvents(pool, { after: position, categories: ['tail'] });
        for (const event of events) seen.sleeping.set(event.eventId, performance.now());
        if (events.length > 0) position = positionOf(events[events.length - 1]);
        await notifier.wait(abort.signal, 500, categories);
      }
    })();
    let blocking = true;
    const blockers = Array.from({ length: TAIL_BLOCKERS }, async () => {
      while (blocking) {
        await store.transaction(async (client) => {
          await client.query('SELECT pg_current_xact_id()');
          await new Promise((resolve) => setTimeout(resolve, TAIL_BLOCKER_MS));
        });
      }
    });
    const committed = new Map<string, number>();
    for (let i = 0; i < TAIL_APPENDS; i++) {
      const { events } = await store.append(`tail:${i}`, [{ type: 'Probe', data: { i } }]);
      committed.set(events[0].eventId, performance.now());
      await new Promise((resolve) => setTimeout(resolve, TAIL_GAP_MS));
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    blocking = false;
    await Promise.all(blockers);
    abort.abort();
    await Promise.all([rereading, sleeping]);
    const latencies = (tailer: Map<string, number>) => [...committed].map(([id, at]) => (tailer.get(id) ?? Infinity) - at).sort((a, b) => a - b);
    const fast = latencies(seen.rereading);
    const slow = latencies(seen.sleeping);
    return row(`commit -> tailer p50, horizon held by ${TAIL_BLOCKERS} sessions`, percentile(fast, 50), 'ms', 'tailer sleeping to next wake/poll', percentile(slow, 50), {
      p99: Math.round(percentile(fast, 99) * 10) / 10,
      baselineP99: Math.round(percentile(slow, 99) * 10) / 10,
    });
  } finally {
    abort.abort();
    await notifier.stop();
    await pool.end();
    await cluster.stop();
  }
}

if (require.main === module) runAsScript(run);
