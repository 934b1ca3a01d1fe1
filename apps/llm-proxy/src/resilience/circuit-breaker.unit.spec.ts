import { CircuitBreaker, type CircuitState } from './circuit-breaker';

function breaker(failureThreshold = 3, cooldownMs = 1000) {
  let now = 10_000;
  const changes: CircuitState[] = [];
  const subject = new CircuitBreaker({ failureThreshold, cooldownMs, now: () => now, onStateChange: (state) => changes.push(state) });
  return { subject, changes, advance: (ms: number) => (now += ms) };
}

describe('CircuitBreaker', () => {
  it('given a closed circuit, when fewer than N consecutive failures happen, then it stays closed and a success resets the count', () => {
    const { subject, changes } = breaker(3);
    subject.recordFailure();
    subject.recordFailure();
    expect(subject.tryAcquire()).toBe(true);
    subject.recordSuccess();
    subject.recordFailure();
    subject.recordFailure();
    expect(subject.currentState).toBe('closed');
    expect(changes).toEqual([]);
  });

  it('given N consecutive failures, then it opens and refuses calls until the cool-down ends', () => {
    const { subject, changes, advance } = breaker(3, 1000);
    for (let i = 0; i < 3; i++) subject.recordFailure();
    expect(subject.currentState).toBe('open');
    expect(subject.tryAcquire()).toBe(false);
    advance(999);
    expect(subject.tryAcquire()).toBe(false);
    expect(changes).toEqual(['open']);
  });

  it('given the cool-down passed, then exactly one probe passes (half-open) and its success closes the circuit', () => {
    const { subject, changes, advance } = breaker(2, 1000);
    subject.recordFailure();
    subject.recordFailure();
    advance(1000);
    expect(subject.currentState).toBe('half_open');
    expect(subject.tryAcquire()).toBe(true);
    // A second caller while the probe is out is refused
    expect(subject.tryAcquire()).toBe(false);
    subject.recordSuccess();
    expect(subject.currentState).toBe('closed');
    expect(subject.tryAcquire()).toBe(true);
    expect(changes).toEqual(['open', 'half_open', 'closed']);
  });

  it('given a half-open circuit, when the probe fails, then it re-opens for a whole new cool-down at once (not after N failures)', () => {
    const { subject, changes, advance } = breaker(5, 1000);
    for (let i = 0; i < 5; i++) subject.recordFailure();
    advance(1500);
    expect(subject.tryAcquire()).toBe(true);
    subject.recordFailure();
    expect(subject.currentState).toBe('open');
    advance(999);
    expect(subject.tryAcquire()).toBe(false);
    advance(1);
    expect(subject.tryAcquire()).toBe(true);
    expect(changes).toEqual(['open', 'half_open', 'open', 'half_open']);
  });

  it('given a probe that ended neither way (cancelled), when released, then the next caller may probe', () => {
    const { subject, advance } = breaker(1, 100);
    subject.recordFailure();
    advance(100);
    expect(subject.tryAcquire()).toBe(true);
    expect(subject.tryAcquire()).toBe(false);
    subject.release();
    expect(subject.currentState).toBe('half_open');
    expect(subject.tryAcquire()).toBe(true);
  });
});
