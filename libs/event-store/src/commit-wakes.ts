import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';

/** Wakes log tailers (relay, watches) in this and other processes once an append has committed. */
export const EVENTS_APPENDED_CHANNEL = 'kastra_events_appended';

/**
 * Waking the log's tailers after an append commits, not inside the append's transaction.
 *
 * A `pg_notify` inside a transaction takes a cluster-wide lock at commit that is held until the
 * commit is flushed, so every appending transaction committed one after the other and Postgres
 * could not flush several commits with one WAL write (group commit): 16 writers appended at 0.2x
 * the rate of a bare INSERT. Instead, once an append has committed:
 * - the tailers of this process are woken at once, without a round trip (`onLocalAppend`);
 * - one small `NOTIFY` transaction per pool carries the categories appended since the previous one
 *   to the other processes: at most one is in flight, the appends committed meanwhile share the
 *   next one. A process skips its own notifications (its tailers were woken already).
 * A lost wake only delays a tailer until its next poll; nothing is skipped.
 */

/** Tells this process's notifications from the others'. */
export const PROCESS_WAKE_ID = randomUUID();

/** Postgres refuses payloads of 8000 bytes and more; past this, the notification wakes every tailer. */
const MAX_PAYLOAD = 7000;

export interface AppendWake {
  /** The process that sent it (PROCESS_WAKE_ID), when known. */
  from?: string;
  /** The categories appended; undefined: any (wake every tailer). */
  categories?: ReadonlySet<string>;
}

/** `{"from":…,"categories":[…]}`; a plain text payload (an older in-statement notify) is one category. */
export function encodeAppendWake(categories: ReadonlySet<string> | undefined): string {
  const payload = JSON.stringify({ from: PROCESS_WAKE_ID, ...(categories ? { categories: [...categories] } : {}) });
  return payload.length <= MAX_PAYLOAD ? payload : JSON.stringify({ from: PROCESS_WAKE_ID });
}

export function decodeAppendWake(payload: string | undefined): AppendWake {
  if (!payload) return {};
  if (!payload.startsWith('{')) return { categories: new Set([payload]) };
  try {
    const parsed = JSON.parse(payload) as { from?: unknown; categories?: unknown };
    return {
      ...(typeof parsed.from === 'string' ? { from: parsed.from } : {}),
      ...(Array.isArray(parsed.categories) ? { categories: new Set(parsed.categories.map(String)) } : {}),
    };
  } catch {
    return {};
  }
}

type LocalListener = (categories: ReadonlySet<string>) => void;
const localListeners = new Set<LocalListener>();

/** Calls `listener` with the categories of every append this process commits; returns the unsubscribe. */
export function onLocalAppend(listener: LocalListener): () => void {
  localListeners.add(listener);
  return () => localListeners.delete(listener);
}

/**
 * The notification's transaction does not wait for its commit to reach the disk: it is delivered
 * at commit either way, and one lost in a crash only delays a tailer until its poll. So it does not
 * add a WAL flush of its own to each append.
 */
const NOTIFY_SQL = `SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, $2)`;

/** Per pool: the categories waiting for the next NOTIFY, and whether one is in flight. */
class CoalescingNotify {
  private pending = new Set<string>();
  private inFlight = false;

  constructor(private readonly pool: Pool) {}

  add(categories: Iterable<string>): void {
    for (const category of categories) this.pending.add(category);
    if (!this.inFlight) this.send();
  }

  private send(): void {
    const categories = this.pending;
    this.pending = new Set();
    this.inFlight = true;
    this.pool
      .query({ name: 'kastra_notify_appended', text: NOTIFY_SQL, values: [EVENTS_APPENDED_CHANNEL, encodeAppendWake(categories)] })
      .catch(() => undefined) // an ended pool, a lost connection: tailers poll
      .finally(() => {
        this.inFlight = false;
        if (this.pending.size > 0) this.send();
      });
  }
}

const notifies = new WeakMap<Pool, CoalescingNotify>();

/** To call once the appends of `categories` have committed: wakes the tailers here and elsewhere. */
export function wakeTailersAfterCommit(pool: Pool, categories: Iterable<string>): void {
  const set = new Set(categories);
  if (set.size === 0) return;
  for (const listener of [...localListeners]) {
    try {
      listener(set);
    } catch {
      // a listener's failure is not the appender's
    }
  }
  let notify = notifies.get(pool);
  if (!notify) notifies.set(pool, (notify = new CoalescingNotify(pool)));
  notify.add(set);
}

/** The categories appended by each open `EventStore.transaction`, woken when it commits. */
const openTransactions = new WeakMap<PoolClient, Set<string>>();

/** Marks `client` as in a transaction whose commit will wake the tailers (EventStore.transaction). */
export function beginTrackedTransaction(client: PoolClient): Set<string> {
  const categories = new Set<string>();
  openTransactions.set(client, categories);
  return categories;
}

export function endTrackedTransaction(client: PoolClient): void {
  openTransactions.delete(client);
}

/** The set to add an append's category to when `db` is a tracked transaction's client. */
export function trackedTransactionOf(db: object): Set<string> | undefined {
  return openTransactions.get(db as PoolClient);
}

/** A pool (each statement its own transaction), not a client that may be inside one. */
export function isPool(db: object): db is Pool {
  return 'totalCount' in db && !('release' in db);
}
