import { BadRequestError, ExpiredError } from '@kastra/api';
import type { LogPosition } from '@kastra/event-store';

/**
 * How long a continue token is honoured after the list's first page. The log keeps every event,
 * so the snapshot of a list never goes; but a page is computed from the current objects rewound
 * to the list's position, which costs one read per change made since. Past this age a token is
 * answered 410 Expired, as the apiserver answers one whose revision etcd has compacted (every 5
 * minutes by default): the client starts a new list (kubectl and informers do).
 */
export const CONTINUE_TOKEN_TTL_MS = 5 * 60_000;

/** Where the next page of a list starts: the list's log position and the last key served. */
export interface ListContinuation {
  /** The first page's log position: every page is the objects as of there. */
  head: LogPosition;
  /** The kind and the namespace listed ('' for all namespaces): a token is valid for that list only. */
  kind: string;
  scope: string;
  /** The last object served (namespace '' for cluster-scoped kinds); the next page starts after it. */
  after: { namespace: string; name: string };
  /** When the first page was served (ms since the epoch). */
  issuedAt: number;
}

interface TokenBody {
  v: 1;
  k: string;
  s: string;
  x: string;
  p: string;
  ns: string;
  n: string;
  t: number;
}

const POSITION = /^\d{1,19}$/;
const MAX_BIGINT = 9223372036854775807n;
const MAX_TOKEN_LENGTH = 2048;

/** The opaque `metadata.continue` of a list page: base64url of a small JSON document. */
export function encodeContinueToken(continuation: ListContinuation): string {
  const body: TokenBody = {
    v: 1,
    k: continuation.kind,
    s: continuation.scope,
    x: continuation.head.transactionId,
    p: continuation.head.globalPosition,
    ns: continuation.after.namespace,
    n: continuation.after.name,
    t: continuation.issuedAt,
  };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/**
 * The continuation a token carries, checked against the list it continues: a token that does not
 * parse, or was issued for another kind or namespace, is a 400 ("continue key is not valid", as
 * the apiserver says); one older than CONTINUE_TOKEN_TTL_MS is a 410 Expired.
 */
export function decodeContinueToken(token: string, list: { kind: string; scope: string }, now = Date.now()): ListContinuation {
  const invalid = (why: string) => new BadRequestError(`continue key is not valid: ${why}`);
  if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+={0,2}$/.test(token)) throw invalid('not a continue token');
  let body: Partial<TokenBody>;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TokenBody>;
  } catch {
    throw invalid('not a continue token');
  }
  if (typeof body !== 'object' || body === null || body.v !== 1) throw invalid('not a continue token');
  const { k, s, x, p, ns, n, t } = body;
  if (typeof k !== 'string' || typeof s !== 'string' || typeof ns !== 'string' || typeof n !== 'string' || typeof t !== 'number' || !Number.isFinite(t)) {
    throw invalid('not a continue token');
  }
  if (!isPosition(x) || !isPosition(p)) throw invalid('bad resource version');
  if (k !== list.kind || s !== list.scope) throw invalid('the token was issued for another list');
  if (now - t > CONTINUE_TOKEN_TTL_MS) {
    throw new ExpiredError(
      'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
    );
  }
  return { head: { transactionId: x, globalPosition: p }, kind: k, scope: s, after: { namespace: ns, name: n }, issuedAt: t };
}

function isPosition(value: unknown): value is string {
  return typeof value === 'string' && POSITION.test(value) && BigInt(value) <= MAX_BIGINT;
}
