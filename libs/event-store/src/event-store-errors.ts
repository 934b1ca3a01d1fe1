import type { ExpectedStreamVersion } from './expected-version';

/** The stream's version was not the one the append expected (optimistic concurrency). */
export class StreamVersionConflictError extends Error {
  override readonly name = 'StreamVersionConflictError';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedStreamVersion,
    readonly actual: number | undefined,
  ) {
    super(`stream ${streamId}: expected version ${String(expected)}, found ${actual ?? 'a concurrent append'}`);
  }
}
