/** The stream must not exist yet. */
export const STREAM_DOES_NOT_EXIST = 'no_stream' as const;
/** The stream must exist, at any version. */
export const STREAM_EXISTS = 'stream_exists' as const;
/** Append whatever the stream's version. */
export const NO_CONCURRENCY_CHECK = 'any' as const;

export type ExpectedStreamVersion =
  | number
  | typeof STREAM_DOES_NOT_EXIST
  | typeof STREAM_EXISTS
  | typeof NO_CONCURRENCY_CHECK;

export function matchesExpectedVersion(current: number, expected: ExpectedStreamVersion): boolean {
  switch (expected) {
    case NO_CONCURRENCY_CHECK:
      return true;
    case STREAM_DOES_NOT_EXIST:
      return current === 0;
    case STREAM_EXISTS:
      return current > 0;
    default:
      return current === expected;
  }
}
