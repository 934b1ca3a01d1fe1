import type { Pool } from 'pg';
import type { EventMetadata, NewEvent, RecordedEvent } from './event';
import { StreamVersionConflictError } from './event-store-errors';
import type { ExpectedStreamVersion } from './expected-version';

/**
 * Group commit of the appends made on a pool (each its own transaction): while MAX_IN_FLIGHT
 * statements are running, the appends that arrive wait and then go together, as one statement and
 * one commit (up to MAX_BATCH appends, one per stream; an append to a stream with one in flight
 * waits for it, so the appends of one process do not race each other for a version). A commit costs a WAL flush; N appends
 * sharing one pay one. An append that finds a statement slot free goes at once, alone, as before:
 * one writer waits no longer than without batching.
 *
 * Each append of a batch keeps its own expected-version check against its stream's head: a failed
 * check inserts nothing for that append only, and only that append gets the
 * StreamVersionConflictError. A batch that fails as a whole (a concurrent append elsewhere took a
 * version: the unique constraint; a bad value in one append) is re-run one append at a time, so
 * each gets its own outcome. Appends in a batch share one transaction id, positions in batch order;
 * the statement's first write is an append (the log's invariant).
 */
const MAX_IN_FLIGHT = 4;
const MAX_BATCH = 64;

export interface PendingAppend {
  streamId: string;
  category: string;
  events: (NewEvent & { eventId: string })[];
  expected: ExpectedStreamVersion;
  metadata: EventMetadata;
}

export type AppendedRecords = { head: number; events: RecordedEvent[] };

/** What Postgres assigned to each inserted event of an append, in stream-version order. */
export interface InsertedEventRow {
  global_position: string | null;
  transaction_id: string | null;
  event_id: string | null;
  stream_version: number | null;
  created_at: Date | null;
}

/** The append's events as recorded, from the rows its insert returned (one per event, in order). */
export function recordedEventsOf(append: PendingAppend, rows: InsertedEventRow[]): RecordedEvent[] {
  return rows.map((row, i) => ({
    eventId: row.event_id!,
    streamId: append.streamId,
    streamVersion: row.stream_version!,
    globalPosition: row.global_position!,
    transactionId: row.transaction_id!,
    category: append.category,
    type: append.events[i].type,
    data: append.events[i].data,
    metadata: append.metadata,
    createdAt: row.created_at!.toISOString(),
  }));
}

/** One append alone, as its own statement (the path without batching). */
export type AppendAlone = (append: PendingAppend) => Promise<AppendedRecords>;

interface Queued {
  append: PendingAppend;
  resolve: (result: AppendedRecords) => void;
  reject: (error: unknown) => void;
}

const APPEND_BATCH_SQL = `
WITH req AS (
  SELECT r.i, r.stream_id, r.category, r.expected, r.expected_version, m.metadata
  FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) WITH ORDINALITY AS r(stream_id, category, expected, expected_version, i)
  JOIN jsonb_array_elements($5::jsonb) WITH ORDINALITY AS m(metadata, i) USING (i)
), head AS (
  SELECT req.*, (SELECT COALESCE(MAX(stream_version), 0) FROM kastra_events WHERE stream_id = req.stream_id)::bigint AS version FROM req
), ev AS (
  SELECT e.i, e.ordinal, e.event_id, e.type, d.data
  FROM unnest($6::bigint[], $7::bigint[], $8::uuid[], $9::text[]) WITH ORDINALITY AS e(i, ordinal, event_id, type, n)
  JOIN jsonb_array_elements($10::jsonb) WITH ORDINALITY AS d(data, n) USING (n)
), inserted AS (
  INSERT INTO kastra_events (event_id, stream_id, stream_version, category, type, data, metadata)
  SELECT ev.event_id, head.stream_id, head.version + ev.ordinal, head.category, ev.type, ev.data, head.metadata
  FROM head JOIN ev USING (i)
  WHERE CASE head.expected
    WHEN 'any' THEN true
    WHEN 'no_stream' THEN head.version = 0
    WHEN 'stream_exists' THEN head.version > 0
    ELSE head.version = head.expected_version
  END
  ORDER BY head.i, ev.ordinal
  RETURNING global_position, transaction_id, event_id, stream_id, stream_version, created_at
)
SELECT head.i::int, head.version::int AS head_version, ins.global_position::text, ins.transaction_id::text, ins.event_id::text,
  ins.stream_version::int, ins.created_at
FROM head LEFT JOIN inserted AS ins ON ins.stream_id = head.stream_id
ORDER BY head.i, ins.stream_version`;

interface BatchRow extends InsertedEventRow {
  i: number;
  head_version: number;
}

export class GroupCommit {
  private queue: Queued[] = [];
  private inFlight = 0;
  /** Streams with an append in flight: the next append to one waits for it (no self-inflicted race). */
  private busyStreams = new Set<string>();

  constructor(
    private readonly pool: Pool,
    private readonly alone: AppendAlone,
  ) {}

  append(append: PendingAppend): Promise<AppendedRecords> {
    return new Promise((resolve, reject) => {
      this.queue.push({ append, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
      const batch = this.takeBatch();
      if (batch.length === 0) return;
      this.inFlight += 1;
      for (const queued of batch) this.busyStreams.add(queued.append.streamId);
      void this.run(batch).finally(() => {
        this.inFlight -= 1;
        for (const queued of batch) this.busyStreams.delete(queued.append.streamId);
        this.next();
      });
    }
  }

  /** The oldest queued appends, one per stream not in flight (a stream's later appends wait, in order). */
  private takeBatch(): Queued[] {
    const batch: Queued[] = [];
    const streams = new Set(this.busyStreams);
    const rest: Queued[] = [];
    for (const queued of this.queue) {
      if (batch.length < MAX_BATCH && !streams.has(queued.append.streamId)) {
        batch.push(queued);
        streams.add(queued.append.streamId);
      } else {
        rest.push(queued);
        streams.add(queued.append.streamId); // keeps a stream's appends in their order
      }
    }
    this.queue = rest;
    return batch;
  }

  private async run(batch: Queued[]): Promise<void> {
    if (batch.length === 1) return settle(batch[0], () => this.alone(batch[0].append));
    let results: (AppendedRecords | StreamVersionConflictError)[];
    try {
      results = await this.together(batch.map((q) => q.append));
    } catch {
      // One append's conflict with a writer outside the batch, or its bad value, is its own.
      await Promise.all(batch.map((queued) => settle(queued, () => this.alone(queued.append))));
      return;
    }
    batch.forEach((queued, i) => {
      const result = results[i];
      if (result instanceof StreamVersionConflictError) queued.reject(result);
      else queued.resolve(result);
    });
  }

  private async together(appends: PendingAppend[]): Promise<(AppendedRecords | StreamVersionConflictError)[]> {
    const events = appends.flatMap((append, i) => append.events.map((event, ordinal) => ({ i: i + 1, ordinal: ordinal + 1, event })));
    const { rows } = await this.pool.query<BatchRow>({
      name: 'kastra_append_batch',
      text: APPEND_BATCH_SQL,
      values: [
        appends.map((a) => a.streamId),
        appends.map((a) => a.category),
        appends.map((a) => (typeof a.expected === 'number' ? 'version' : a.expected)),
        appends.map((a) => (typeof a.expected === 'number' ? a.expected : null)),
        JSON.stringify(appends.map((a) => a.metadata)),
        events.map((e) => e.i),
        events.map((e) => e.ordinal),
        events.map((e) => e.event.eventId),
        events.map((e) => e.event.type),
        // One JSON array, not a jsonb[]: a Postgres array literal escapes every quote of every event again.
        JSON.stringify(events.map((e) => e.event.data)),
      ],
    });
    return appends.map((append, index) => {
      const own = rows.filter((row) => row.i === index + 1);
      const head = own[0].head_version;
      if (own[0].event_id === null) return new StreamVersionConflictError(append.streamId, append.expected, head);
      return { head, events: recordedEventsOf(append, own) };
    });
  }
}

async function settle(queued: Queued, run: () => Promise<AppendedRecords>): Promise<void> {
  try {
    queued.resolve(await run());
  } catch (error) {
    queued.reject(error);
  }
}

const groups = new WeakMap<Pool, GroupCommit>();

/** The group commit of `pool`'s appends. */
export function groupCommitOf(pool: Pool, alone: AppendAlone): GroupCommit {
  let group = groups.get(pool);
  if (!group) groups.set(pool, (group = new GroupCommit(pool, alone)));
  return group;
}
