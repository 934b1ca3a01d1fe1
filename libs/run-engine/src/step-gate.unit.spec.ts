import { StepGate } from './step-gate';

const settled = async <T>(promise: Promise<T>): Promise<T | 'pending'> => Promise.race([promise, new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending')))]);

describe('the step gate of an executor process', () => {
  it('lets shared steps in together, and an isolated step only when it is alone', async () => {
    // Given two shared holders
    const gate = new StepGate();
    const signal = new AbortController().signal;
    expect(await gate.enter(false, signal)).toBe(true);
    expect(await gate.enter(false, signal)).toBe(true);
    // When an isolated step asks, Then it waits, the holders are told to give the gate back, and no
    // new shared step passes it
    const isolated = gate.enter(true, signal);
    const later = gate.enter(false, signal);
    expect(await settled(isolated)).toBe('pending');
    expect(gate.isolationWaiting).toBe(true);
    gate.leave(false);
    expect(await settled(isolated)).toBe('pending');
    expect(await settled(later)).toBe('pending');
    // When the last holder leaves, Then the isolated step runs alone; the shared one after it
    gate.leave(false);
    expect(await settled(isolated)).toBe(true);
    expect(gate.holders).toBe(1);
    expect(await settled(later)).toBe('pending');
    gate.leave(true);
    expect(await settled(later)).toBe(true);
    expect(gate.isolationWaiting).toBe(false);
  });

  it('gives up waiting when the advance is stopped, and lets the steps behind it in', async () => {
    const gate = new StepGate();
    const signal = new AbortController().signal;
    await gate.enter(false, signal);
    const stop = new AbortController();
    const isolated = gate.enter(true, stop.signal);
    const behind = gate.enter(false, signal);
    stop.abort('shutdown');
    expect(await isolated).toBe(false);
    expect(await settled(behind)).toBe(true);
    expect(gate.holders).toBe(2);
  });
});
