import { StreamVersionConflictError } from '@kastra/event-store';

/** A step, item or member output larger than this (as JSON) fails the attempt. @default 8 MiB */
export const DEFAULT_MAX_OUTPUT_BYTES = 8 * 1024 * 1024;

/** An output that a run's log cannot hold: the attempt that produced it fails, as any error of it would. */
export class RunOutputError extends Error {
  constructor(
    override readonly name: 'OutputTooLarge' | 'OutputNotStorable',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Why `output` cannot be recorded (undefined when it can): not JSON, or larger than `maxBytes`.
 * Checked before the append, so an oversized output costs one serialisation, not a round trip
 * that Postgres refuses after receiving it.
 */
export function outputProblem(output: unknown, maxBytes: number): RunOutputError | undefined {
  let json: string | undefined;
  try {
    json = JSON.stringify(output);
  } catch (error) {
    return new RunOutputError('OutputNotStorable', `the output is not JSON: ${(error as Error).message}`);
  }
  const bytes = json === undefined ? 0 : Buffer.byteLength(json);
  if (bytes > maxBytes) return new RunOutputError('OutputTooLarge', `the output is ${bytes} bytes as JSON, over the ${maxBytes}-byte limit of a step output`);
  return undefined;
}

/**
 * The log refused what was appended for what it holds, not for where it is: Postgres data
 * exceptions (class 22, e.g. a NUL character in a JSON string) and program limits (class 54, e.g.
 * a JSON value over 256 MB), or a value that does not serialise. Appending it again would fail the
 * same way, so the attempt whose result it was fails instead. Anything else (a lost connection, a
 * server going down, a version conflict) is the infrastructure's, and the advance is retried.
 */
export function isRefusedByLog(error: unknown): boolean {
  if (error instanceof StreamVersionConflictError) return false;
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^(22|54)[0-9A-Z]{3}$/.test(code)) return true;
  return error instanceof RangeError || (error instanceof TypeError && /JSON|BigInt|circular/i.test(error.message));
}
