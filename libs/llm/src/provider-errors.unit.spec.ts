import { kindOfStatus, ProviderError, redactSecrets, retryAfterMsFrom } from './provider-errors';

const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name] ?? null });

describe('ProviderError', () => {
  it('maps upstream statuses to kinds, and kinds to retryability', () => {
    expect([401, 403, 429, 408, 500, 503, 400, 404, 422].map(kindOfStatus)).toEqual([
      'auth', 'auth', 'rate_limit', 'timeout', 'server', 'server', 'bad_request', 'bad_request', 'bad_request',
    ]);
    expect(new ProviderError('rate_limit', 'x').retryable).toBe(true);
    expect(new ProviderError('stream_cut', 'x').retryable).toBe(true);
    expect(new ProviderError('auth', 'x').retryable).toBe(false);
    expect(new ProviderError('cancelled', 'x')).toMatchObject({ retryable: false, status: 499 });
    expect(new ProviderError('server', 'x', { status: 503 }).status).toBe(503);
  });

  it.each([
    ['Incorrect API key provided: sk-proj-abcdefghijklmnop1234.', 'sk-proj-abcdefghijklmnop1234'],
    ['request to https://x/v1beta/models?key=AIzaSyA1234567890abcdefghijkl failed', 'AIzaSyA1234567890abcdefghijkl'],
    ['header Authorization: Bearer tok_live_secret_value rejected', 'tok_live_secret_value'],
    ['{"x-api-key":"sk-ant-api03-zzzzzzzzzzzz"}', 'sk-ant-api03-zzzzzzzzzzzz'],
    ['upstream said key=plainsecret123', 'plainsecret123'],
  ])('never keeps a key in its message: %s', (message, secret) => {
    // Given an SDK message that echoes a credential
    const error = new ProviderError('auth', message);
    // Then neither the message nor its JSON contains it
    expect(error.message).not.toContain(secret);
    expect(JSON.stringify(error)).not.toContain(secret);
    expect(error.message).toContain('[redacted]');
  });

  it('scrubs a known key even when it has no recognisable shape', () => {
    expect(redactSecrets('failed for tenant-key-42 today', ['tenant-key-42'])).toBe('failed for [redacted] today');
  });

  it('keeps the SDK error as a hidden cause, out of JSON', () => {
    const cause = Object.assign(new Error('boom'), { headers: { authorization: 'Bearer sk-secret-123456789' } });
    const error = new ProviderError('server', 'boom', { cause });
    expect((error as { cause?: unknown }).cause).toBe(cause);
    expect(JSON.stringify(error)).not.toContain('sk-secret');
    expect(Object.keys(error)).not.toContain('cause');
  });

  it('reads Retry-After in seconds or as a date, and retry-after-ms first', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMsFrom(headers({ 'retry-after': '2' }), now)).toBe(2000);
    expect(retryAfterMsFrom(headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:05 GMT' }), now)).toBe(5000);
    expect(retryAfterMsFrom(headers({ 'retry-after-ms': '250', 'retry-after': '2' }), now)).toBe(250);
    expect(retryAfterMsFrom(headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(retryAfterMsFrom(headers({}), now)).toBeUndefined();
  });
});
