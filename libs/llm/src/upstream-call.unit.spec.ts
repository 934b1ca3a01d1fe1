import { getEventListeners } from 'node:events';
import { ProviderError } from './provider-errors';
import { checkApiKeyWith, runUpstream } from './upstream-call';

// Assembled at runtime so the repository holds nothing shaped like a real key.
const KEY = ['fake', 'upstream', 'call', 'key', '0123456789'].join('-');

/** What an SDK throws for an HTTP error: a status, headers and a message that may quote the key. */
function httpError(status: number, message: string, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error(message), { status, headers });
}

async function rejectionOf(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    return error as ProviderError;
  }
  throw new Error('expected the call to fail');
}

describe('runUpstream (the frame of a non-streaming upstream call)', () => {
  it("returns what the work returns, run under the caller's signal when the call has no deadline of its own", async () => {
    const caller = new AbortController();
    let seen: AbortSignal | undefined;
    const result = await runUpstream('openai', { apiKey: KEY, signal: caller.signal }, async (upstream) => {
      seen = upstream.signal;
      return 42;
    });
    expect(result).toBe(42);
    expect(seen).toBe(caller.signal);
  });

  it('turns an HTTP error into a ProviderError of its kind, with Retry-After, and no key in the message', async () => {
    const error = await rejectionOf(
      runUpstream('openai', { apiKey: KEY, signal: new AbortController().signal }, async () => {
        throw httpError(429, `rate limited for key ${KEY}`, { 'retry-after': '3' });
      }),
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'rate_limit', status: 429, retryAfterMs: 3000, provider: 'openai' });
    expect(error.message).not.toContain(KEY);
  });

  it('passes a ProviderError the work threw through unchanged', async () => {
    const thrown = new ProviderError('malformed', 'upstream answer has no choices', { provider: 'openai' });
    const error = await rejectionOf(
      runUpstream('openai', { signal: new AbortController().signal }, async () => {
        throw thrown;
      }),
    );
    expect(error).toBe(thrown);
  });

  it('reports a call that outlives timeoutMs as a timeout, and a caller abort as cancelled', async () => {
    const stall = (signal: AbortSignal) =>
      new Promise((_, reject) => signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
    const timedOut = await rejectionOf(runUpstream('openai', { signal: new AbortController().signal, timeoutMs: 50 }, (upstream) => stall(upstream.signal)));
    expect(timedOut.kind).toBe('timeout');

    const caller = new AbortController();
    const pending = rejectionOf(runUpstream('openai', { signal: caller.signal, timeoutMs: 60_000 }, (upstream) => stall(upstream.signal)));
    caller.abort();
    expect((await pending).kind).toBe('cancelled');
  });

  it("leaves no listener on a long-lived caller signal after a call succeeds or fails (finish on every path)", async () => {
    const service = new AbortController(); // e.g. the service's shutdown signal, shared by every call
    const call = { apiKey: KEY, signal: service.signal, timeoutMs: 60_000 };
    let listenersDuringCall = 0;
    await runUpstream('openai', call, async () => {
      listenersDuringCall = getEventListeners(service.signal, 'abort').length;
    });
    await rejectionOf(
      runUpstream('openai', call, async () => {
        throw new Error('socket hang up');
      }),
    );
    expect(listenersDuringCall).toBe(1);
    expect(getEventListeners(service.signal, 'abort')).toHaveLength(0);
  });
});

describe('checkApiKeyWith', () => {
  const call = () => ({ apiKey: KEY, signal: new AbortController().signal });

  it('is true when the probe succeeds and false when the provider rejects the key', async () => {
    await expect(checkApiKeyWith('openai', call(), async () => ({ data: [] }))).resolves.toBe(true);
    await expect(
      checkApiKeyWith('openai', call(), async () => {
        throw httpError(401, `invalid key ${KEY}`);
      }),
    ).resolves.toBe(false);
  });

  it('returns the error, key-free, when the check could not tell (upstream down)', async () => {
    const result = await checkApiKeyWith('openai', call(), async () => {
      throw httpError(503, `unavailable for ${KEY}`);
    });
    expect(result).toBeInstanceOf(ProviderError);
    expect(result).toMatchObject({ kind: 'server', status: 503 });
    expect((result as ProviderError).message).not.toContain(KEY);
  });
});
