import { BadRequestError, ExpiredError } from '@kastra/api';
import { CONTINUE_TOKEN_TTL_MS, decodeContinueToken, encodeContinueToken, type ListContinuation } from './list-continue-token';

describe('list continue tokens', () => {
  const now = 1_800_000_000_000;
  const continuation: ListContinuation = {
    head: { transactionId: '10000012', globalPosition: '9999999' },
    kind: 'LLM',
    scope: 'team-a',
    after: { namespace: 'team-a', name: 'b' },
    issuedAt: now - 1000,
  };
  const list = { kind: 'LLM', scope: 'team-a' };
  const forged = (body: Record<string, unknown>) => Buffer.from(JSON.stringify({ v: 1, k: 'LLM', s: 'team-a', x: '1', p: '1', ns: 'team-a', n: 'b', t: now, ...body })).toString('base64url');

  it('gives back what it carries, for the list it was issued for', () => {
    const token = encodeContinueToken(continuation);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeContinueToken(token, list, now)).toEqual(continuation);
  });

  it('refuses with 400 what is not a token, a token of another list, and positions that are not BIGINTs', () => {
    const token = encodeContinueToken(continuation);
    for (const bad of ['', 'x y', 'not-json', 'a'.repeat(3000), forged({ v: 2 }), forged({ x: '-1' }), forged({ p: '99999999999999999999' }), forged({ t: 'soon' }), forged({ n: 3 })]) {
      expect(() => decodeContinueToken(bad, list, now)).toThrow(BadRequestError);
    }
    expect(() => decodeContinueToken(token, { kind: 'Agent', scope: 'team-a' }, now)).toThrow(BadRequestError);
    expect(() => decodeContinueToken(token, { kind: 'LLM', scope: '' }, now)).toThrow(BadRequestError);
  });

  it('answers 410 Expired once the first page is older than the TTL', () => {
    const token = encodeContinueToken(continuation);
    expect(decodeContinueToken(token, list, continuation.issuedAt + CONTINUE_TOKEN_TTL_MS).head).toEqual(continuation.head);
    expect(() => decodeContinueToken(token, list, continuation.issuedAt + CONTINUE_TOKEN_TTL_MS + 1)).toThrow(ExpiredError);
  });
});
