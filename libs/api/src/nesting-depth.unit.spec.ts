import { jsonTextNestsDeeperThan, MAX_NESTING_DEPTH, valueNestsDeeperThan } from './nesting-depth';

function nestedArrays(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

function nestedObjects(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

describe('jsonTextNestsDeeperThan', () => {
  it('accepts nesting up to the limit and refuses one level more, for arrays and objects', () => {
    // Given documents exactly at and one past the limit
    // Then only the deeper ones are refused
    expect(jsonTextNestsDeeperThan(nestedArrays(MAX_NESTING_DEPTH))).toBe(false);
    expect(jsonTextNestsDeeperThan(nestedArrays(MAX_NESTING_DEPTH + 1))).toBe(true);
    expect(jsonTextNestsDeeperThan(nestedObjects(MAX_NESTING_DEPTH))).toBe(false);
    expect(jsonTextNestsDeeperThan(nestedObjects(MAX_NESTING_DEPTH + 1))).toBe(true);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    // Given strings full of brackets, some after escaped quotes and escaped backslashes
    const text = JSON.stringify({ a: '['.repeat(500), b: 'say \\"[[[[\\" and \\\\', c: ['{'.repeat(300)] });
    // Then the text nests two levels only
    expect(jsonTextNestsDeeperThan(text, 2)).toBe(false);
    expect(jsonTextNestsDeeperThan(text, 1)).toBe(true);
  });

  it('leaves malformed text to the parser and stops early on a deep one', () => {
    expect(jsonTextNestsDeeperThan('{"unterminated: [[[[')).toBe(false);
    // A deep document of a million levels is refused without reading it all
    const started = process.hrtime.bigint();
    expect(jsonTextNestsDeeperThan(nestedArrays(1_000_000))).toBe(true);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(50);
  });
});

describe('valueNestsDeeperThan', () => {
  it('measures parsed values without recursion, however deep', () => {
    // Given values at, past and far past the limit (deep enough to overflow recursive code)
    const atLimit = JSON.parse(nestedArrays(MAX_NESTING_DEPTH)) as unknown;
    const past = JSON.parse(nestedObjects(MAX_NESTING_DEPTH + 1)) as unknown;
    const far = JSON.parse(nestedArrays(200_000)) as unknown;
    // Then only the deeper ones are refused, and scalars never are
    expect(valueNestsDeeperThan(atLimit)).toBe(false);
    expect(valueNestsDeeperThan(past)).toBe(true);
    expect(valueNestsDeeperThan(far)).toBe(true);
    expect(valueNestsDeeperThan('text')).toBe(false);
    expect(valueNestsDeeperThan(null)).toBe(false);
  });

  it('counts a value that contains itself as too deep', () => {
    // Given a cycle, as a YAML alias to its own anchor makes
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    // Then it is refused instead of walked for ever
    expect(valueNestsDeeperThan(cycle)).toBe(true);
  });
});
