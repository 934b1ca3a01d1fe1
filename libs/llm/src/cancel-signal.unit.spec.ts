import { Cancellation } from './cancel-signal';
import { UpstreamCall } from './upstream-call';

describe('Cancellation', () => {
  it('tells each listener once, not removed ones, and nothing after the first abort', () => {
    const cancellation = new Cancellation();
    const heard: string[] = [];
    const a = () => heard.push('a');
    const b = () => heard.push('b');
    cancellation.addEventListener('abort', a);
    cancellation.addEventListener('abort', b, { once: true });
    cancellation.removeEventListener('abort', a);
    expect(cancellation.aborted).toBe(false);
    cancellation.abort('client gone');
    cancellation.abort('again');
    expect(heard).toEqual(['b']);
    expect(cancellation).toMatchObject({ aborted: true, reason: 'client gone' });
    // Like AbortSignal: a listener added after the abort is never called
    cancellation.addEventListener('abort', a);
    cancellation.abort('and again');
    expect(heard).toEqual(['b']);
  });

  it('calls the other listeners when one throws, and surfaces the error on the next tick', () => {
    const cancellation = new Cancellation();
    const heard: string[] = [];
    const ticks: Array<() => void> = [];
    const nextTick = jest.spyOn(process, 'nextTick').mockImplementation(((fn: () => void) => ticks.push(fn)) as typeof process.nextTick);
    try {
      cancellation.addEventListener('abort', () => {
        throw new Error('listener broke');
      });
      cancellation.addEventListener('abort', () => heard.push('second'));
      cancellation.abort();
    } finally {
      nextTick.mockRestore();
    }
    expect(heard).toEqual(['second']);
    expect(ticks).toHaveLength(1);
    expect(ticks[0]).toThrow('listener broke');
  });
});

describe('UpstreamCall.signal (a real AbortSignal for SDKs and fetch)', () => {
  it("is the caller's own signal when that is an AbortSignal", () => {
    const caller = new AbortController();
    expect(new UpstreamCall('openai', { signal: caller.signal }).signal).toBe(caller.signal);
  });

  it('is made on demand from a Cancellation, aborts with it, and lets go of it on finish', () => {
    const caller = new Cancellation();
    const upstream = new UpstreamCall('openai', { signal: caller });
    expect(upstream.cancel).toBe(caller);
    const signal = upstream.signal;
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(upstream.signal).toBe(signal);
    caller.abort('gone');
    expect(signal.aborted).toBe(true);
    // A call that ends first leaves no listener on the caller's Cancellation
    const later = new Cancellation();
    const finished = new UpstreamCall('openai', { signal: later });
    const unused = finished.signal;
    finished.finish();
    later.abort();
    expect(unused.aborted).toBe(false);
  });

  it('with a deadline, cancels on the deadline without any AbortSignal, and on the caller', async () => {
    const caller = new Cancellation();
    const timed = new UpstreamCall('openai', { signal: caller, timeoutMs: 20 });
    expect(timed.cancel).not.toBe(caller);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(timed.cancel.aborted).toBe(true);
    expect(timed.abortError().kind).toBe('timeout');
    timed.finish();
    const second = new UpstreamCall('openai', { signal: caller, timeoutMs: 10_000 });
    expect(second.cancel.aborted).toBe(false);
    caller.abort('client gone');
    expect(second.cancel.aborted).toBe(true);
    expect(second.abortError().kind).toBe('cancelled');
    second.finish();
  });
});
