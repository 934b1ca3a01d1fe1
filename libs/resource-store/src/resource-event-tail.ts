import type { Pool } from 'pg';
import { heldBackRetryMs, readLogBatch, type EventNotifier, type LogPosition, type RecordedEvent } from '@kastra/event-store';
import { RESOURCE_CATEGORY } from './resource-events';

const BATCH = 500;
/** Resource events kept for watches that join behind the tail or fall behind it. */
const KEPT = 2000;
const RESOURCE_CATEGORIES: ReadonlySet<string> = new Set([RESOURCE_CATEGORY]);
/** Longest the tail waits without a wake before it looks at the log anyway. */
const POLL_MS = 1000;

/**
 * One tail of the log's resource events per process (per pool), fanned out to every watch of the
 * process — like the apiserver's watch cache. Before, each watch (each kubectl watch, each waiting
 * `POST …/execute`) read the log on its own and every append woke all of them: N watches × appends
 * queries. The tail reads in commit-safe order (readLogBatch), re-reads within a few ms when events
 * are held back by an older transaction, and keeps the last KEPT events, so a watch can join at
 * any position inside them. It runs while it has watches.
 *
 * A watch behind what the tail holds (an old resourceVersion, or a slow consumer whose next events
 * were dropped) reads the log itself until it can join (`watchResources`).
 */
export class ResourceEventTail {
  private run?: TailRun;

  constructor(
    private readonly pool: Pool,
    private readonly notifier: EventNotifier,
  ) {}

  /** Taken before a watch's own read of the log: see `join`. */
  mark(): TailMark {
    const run = this.run?.stopped === false ? this.run : undefined;
    return { run, position: run?.readUpTo() };
  }

  /**
   * A subscription delivering the resource events after `position`, or undefined when the tail
   * cannot: it no longer holds (or never read) some events after `position`. With `caughtUpSince`:
   * the watch has read every readable event after `position` (a read that was not a full batch)
   * since that mark, so it has seen every event the tail had read by then — those were readable
   * before — and the tail need only hold what comes after the later of the two.
   */
  join(position: LogPosition, caughtUpSince?: TailMark): TailSubscription | undefined {
    if (!this.run || this.run.stopped) this.run = new TailRun(this.pool, this.notifier, position);
    const run = this.run;
    const seen = caughtUpSince?.run === run && caughtUpSince.position && compare(caughtUpSince.position, position) > 0 ? caughtUpSince.position : position;
    const cursor = run.cursorAfter(position, seen);
    return cursor === undefined ? undefined : new TailSubscription(run, cursor, position);
  }
}

export interface TailMark {
  run?: TailRun;
  /** Where that tail had read to. */
  position?: LogPosition;
}

const tails = new WeakMap<Pool, ResourceEventTail>();

/** The process's tail of the resource events of `pool`'s database. */
export function resourceEventTailOf(pool: Pool, notifier: EventNotifier): ResourceEventTail {
  let tail = tails.get(pool);
  if (!tail) tails.set(pool, (tail = new ResourceEventTail(pool, notifier)));
  return tail;
}

/** The events a watch has not had yet, in log order. */
export class TailSubscription {
  private closed = false;

  constructor(
    private readonly run: TailRun,
    /** The sequence number of the next event to deliver. */
    private cursor: number,
    /** Delivered already (a watch that read the log past the tail): skipped until passed. */
    private floor: LogPosition | undefined,
  ) {
    run.subscribers += 1;
  }

  /**
   * The next events (at least one, at most BATCH); waits for them. Empty when `signal` aborts;
   * undefined when they were dropped from the tail (a slow watch): read the log instead. Throws
   * the tail's error.
   */
  async next(signal: AbortSignal): Promise<RecordedEvent[] | undefined> {
    for (;;) {
      if (signal.aborted) return [];
      if (this.run.failure !== undefined) throw this.run.failure;
      if (this.cursor < this.run.firstSeq) return undefined;
      const from = this.cursor - this.run.firstSeq;
      if (from < this.run.events.length) {
        let events = this.run.events.slice(from, from + BATCH);
        this.cursor += events.length;
        if (this.floor) {
          const floor = this.floor;
          events = events.filter((event) => compare(event, floor) > 0);
          if (events.length === 0) continue;
          this.floor = undefined;
        }
        return events;
      }
      await this.run.changed(signal);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.run.subscribers -= 1;
    if (this.run.subscribers === 0) this.run.stop();
  }
}

/** One incarnation of the tail: from its first watch's position until its last watch leaves. */
class TailRun {
  subscribers = 0;
  stopped = false;
  failure?: unknown;
  /** The kept events, in log order; `firstSeq` numbers the first. */
  events: RecordedEvent[] = [];
  firstSeq = 0;
  /** Before the first kept event: every resource event up to here is gone from the tail. */
  private start: LogPosition;
  private position: LogPosition;
  private readonly abort = new AbortController();
  private wakeWatches: (() => void)[] = [];

  constructor(
    private readonly pool: Pool,
    private readonly notifier: EventNotifier,
    from: LogPosition,
  ) {
    this.start = from;
    this.position = from;
    void this.loop();
  }

  /** Every resource event up to here has been read (those after `start` are kept). */
  readUpTo(): LogPosition {
    return this.position;
  }

  /**
   * The sequence number of the first kept event after `position`; undefined when events after
   * `seen` (what the watch has had, at or past `position`) are no longer or not yet kept.
   */
  cursorAfter(position: LogPosition, seen: LogPosition): number | undefined {
    if (compare(seen, this.start) < 0) return undefined;
    let low = 0;
    let high = this.events.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (compare(this.events[middle], position) <= 0) low = middle + 1;
      else high = middle;
    }
    return this.firstSeq + low;
  }

  /** Resolves when events are added, the tail fails, or `signal` aborts. */
  changed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done);
      this.wakeWatches.push(done);
    });
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
  }

  private wake(): void {
    const watches = this.wakeWatches;
    this.wakeWatches = [];
    for (const wake of watches) wake();
  }

  private async loop(): Promise<void> {
    let heldBackAttempt = 0;
    try {
      while (!this.stopped) {
        const mark = this.notifier.mark();
        const { events, heldBack } = await readLogBatch(this.pool, { after: this.position, categories: [RESOURCE_CATEGORY], limit: BATCH });
        if (events.length > 0) {
          this.events.push(...events);
          this.position = events[events.length - 1];
          const dropped = this.events.length - KEPT;
          if (dropped > 0) {
            this.start = this.events[dropped - 1];
            this.events.splice(0, dropped);
            this.firstSeq += dropped;
          }
          this.wake();
        }
        if (events.length >= BATCH) continue;
        if (heldBack) {
          await this.notifier.wait(this.abort.signal, heldBackRetryMs(heldBackAttempt++), RESOURCE_CATEGORIES, mark);
        } else {
          heldBackAttempt = 0;
          await this.notifier.wait(this.abort.signal, POLL_MS, RESOURCE_CATEGORIES, mark);
        }
      }
    } catch (error) {
      // Every watch of this incarnation ends with the error; the next watch starts a new one.
      this.failure = error;
      this.stopped = true;
      this.wake();
    }
  }
}

/** Log order: (transactionId, globalPosition) as numbers. */
function compare(a: LogPosition, b: LogPosition): number {
  const tx = BigInt(a.transactionId) - BigInt(b.transactionId);
  if (tx !== 0n) return tx < 0n ? -1 : 1;
  const position = BigInt(a.globalPosition) - BigInt(b.globalPosition);
  return position === 0n ? 0 : position < 0n ? -1 : 1;
}
