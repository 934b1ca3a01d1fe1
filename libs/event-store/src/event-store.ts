import type { Pool, PoolClient } from 'pg';
import { appendToStream, type AppendResult } from './append-to-stream';
import { beginTrackedTransaction, endTrackedTransaction, wakeTailersAfterCommit } from './commit-wakes';
import type { EventMetadata, NewEvent, RecordedEvent } from './event';
import type { ExpectedStreamVersion } from './expected-version';
import { readAllEvents, readHeadPosition, type ReadAllOptions } from './read-all-events';
import { readStream } from './read-stream';

/** Updates read models inside the append's transaction (Emmett's inline projections). */
export type InlineProjection = (client: PoolClient, events: RecordedEvent[]) => Promise<void>;

/** The Postgres event log: appends with optimistic concurrency, stream and whole-log reads. */
export class EventStore {
  constructor(readonly pool: Pool) {}

  /**
   * Runs `work` in one transaction (READ COMMITTED). The log's tailers are woken of the appends
   * made through `appendToStream(client, …)` once it has committed (never on a rollback).
   */
  async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const appended = beginTrackedTransaction(client);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      endTrackedTransaction(client);
      wakeTailersAfterCommit(this.pool, appended);
      return result;
    } catch (error) {
      endTrackedTransaction(client);
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      endTrackedTransaction(client);
      client.release();
    }
  }

  /**
   * Appends events to a stream and runs the inline projections in the same transaction. Without
   * projections the append is one statement, atomic on its own: one round trip, no BEGIN/COMMIT.
   */
  append(
    streamId: string,
    events: NewEvent[],
    options: { expectedVersion?: ExpectedStreamVersion; metadata?: EventMetadata; projections?: InlineProjection[] } = {},
  ): Promise<AppendResult> {
    if (!options.projections?.length) return appendToStream(this.pool, streamId, events, options);
    return this.transaction(async (client) => {
      const result = await appendToStream(client, streamId, events, options);
      for (const project of options.projections ?? []) await project(client, result.events);
      return result;
    });
  }

  readStream(streamId: string, afterVersion = 0): Promise<RecordedEvent[]> {
    return readStream(this.pool, streamId, afterVersion);
  }

  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return readAllEvents(this.pool, options);
  }

  readHeadPosition() {
    return readHeadPosition(this.pool);
  }
}
