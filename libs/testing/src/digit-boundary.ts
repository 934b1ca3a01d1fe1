import { randomUUID } from 'node:crypto';

/** The power of ten the log-order tests put transaction ids and global positions across. */
export const DIGIT_BOUNDARY = 10_000_000;

/** What the digit-boundary writers need of an event store (structural: no import of it here). */
export interface AppendingStore {
  append(streamId: string, events: { type: string; data: Record<string, unknown>; eventId?: string }[]): Promise<unknown>;
}

/**
 * Concurrent writers, each appending batches of 1–3 events (so some transactions straddle a
 * position boundary) to streams of their own. Resolves with every appended event id.
 */
export async function appendAcrossDigitBoundaries(
  store: AppendingStore,
  options: { writers: number; appendsPerWriter: number; streamPrefix: string },
): Promise<string[]> {
  const ids: string[] = [];
  await Promise.all(
    Array.from({ length: options.writers }, async (_, writer) => {
      for (let i = 0; i < options.appendsPerWriter; i++) {
        const events = Array.from({ length: 1 + ((writer + i) % 3) }, (_, n) => ({ type: 'Counted', data: { writer, i, n }, eventId: randomUUID() }));
        await store.append(`${options.streamPrefix}:${writer}`, events);
        ids.push(...events.map((e) => e.eventId));
      }
    }),
  );
  return ids;
}

/** Numeric (transaction id, global position) order, as log readers must go: negative if a is first. */
export function compareLogOrder(
  a: { transactionId: string; globalPosition: string },
  b: { transactionId: string; globalPosition: string },
): number {
  const byTransaction = BigInt(a.transactionId) - BigInt(b.transactionId);
  if (byTransaction !== 0n) return byTransaction < 0n ? -1 : 1;
  const byPosition = BigInt(a.globalPosition) - BigInt(b.globalPosition);
  return byPosition === 0n ? 0 : byPosition < 0n ? -1 : 1;
}
