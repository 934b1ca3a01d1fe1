/**
 * The deepest nesting of objects and arrays a client's JSON or YAML may have. Far past any
 * manifest, chat body or tool schema; recursive code (structuredClone, JSON.stringify, schema
 * walkers) overflows the stack some thousands of levels down, and YAML's parser slows
 * superlinearly with depth, so deeper input is refused before it gets there.
 */
export const MAX_NESTING_DEPTH = 100;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * Whether JSON text opens more than `limit` arrays or objects inside one another. One pass over
 * the text, skipping string contents with indexOf, stopping at the first level past `limit`; made
 * to run before JSON.parse, so a deep document costs no parse. Malformed text is left to the parser.
 */
export function jsonTextNestsDeeperThan(text: string, limit = MAX_NESTING_DEPTH): boolean {
  let depth = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = closingQuoteOf(text, i);
      if (i < 0) return false;
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
      depth--;
    }
  }
  return false;
}

/** Index of the quote that ends the string opened at `open` (one not escaped), or -1. */
function closingQuoteOf(text: string, open: number): number {
  let end = open;
  for (;;) {
    end = text.indexOf('"', end + 1);
    if (end < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return end;
  }
}

/**
 * Whether a parsed value nests arrays or objects more than `limit` deep. Iterative (a deep value
 * cannot overflow the stack here) and stops at the first level past `limit`; a value that
 * contains itself (YAML aliases can do that) counts as too deep.
 */
export function valueNestsDeeperThan(value: unknown, limit = MAX_NESTING_DEPTH): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const values: object[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const current = values.pop()!;
    const depth = depths.pop()!;
    if (depth > limit) return true;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

/** What a refusal says, the same words everywhere a client's document is refused for its depth. */
export function nestingTooDeepMessage(what: string, limit = MAX_NESTING_DEPTH): string {
  return `${what} nests objects and arrays more than ${limit} levels deep`;
}
