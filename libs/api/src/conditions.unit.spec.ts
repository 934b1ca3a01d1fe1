import { derivePhase, findCondition, isReady, setCondition } from './conditions';
import type { Condition } from './resource';

const at = (iso: string) => () => new Date(iso);
const T0 = '2024-01-01T00:00:00.000Z';
const T1 = '2024-01-01T00:05:00.000Z';

describe('setCondition', () => {
  it('adds a condition stamped with the current time', () => {
    const list = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'LLMNotFound', message: 'm' }, at(T0));
    expect(list).toEqual([{ type: 'Ready', status: 'False', reason: 'LLMNotFound', message: 'm', lastTransitionTime: T0 }]);
  });

  it('keeps lastTransitionTime when the status does not change, but takes the new reason and message', () => {
    const first = setCondition([], { type: 'Ready', status: 'False', reason: 'A', message: 'a', observedGeneration: 1 }, at(T0));
    const second = setCondition(first, { type: 'Ready', status: 'False', reason: 'B', message: 'b', observedGeneration: 2 }, at(T1));
    expect(second).toEqual([{ type: 'Ready', status: 'False', reason: 'B', message: 'b', observedGeneration: 2, lastTransitionTime: T0 }]);
  });

  it('moves lastTransitionTime when the status changes, leaves other conditions and the input alone', () => {
    const before: Condition[] = [
      { type: 'Ready', status: 'False', reason: 'A', message: 'a', lastTransitionTime: T0 },
      { type: 'Accepted', status: 'True', reason: 'Ok', message: '', lastTransitionTime: T0 },
    ];
    const after = setCondition(before, { type: 'Ready', status: 'True', reason: 'Resolved', message: 'ok' }, at(T1));
    expect(after[0]).toEqual({ type: 'Ready', status: 'True', reason: 'Resolved', message: 'ok', lastTransitionTime: T1 });
    expect(after[1]).toBe(before[1]);
    expect(before[0].status).toBe('False');
  });
});

describe('isReady / findCondition / derivePhase', () => {
  const ready = (status: 'True' | 'False' | 'Unknown'): Condition => ({ type: 'Ready', status, reason: 'r', message: '', lastTransitionTime: T0 });

  it('is ready only with Ready=True', () => {
    expect(isReady({ status: { conditions: [ready('True')] } })).toBe(true);
    expect(isReady({ status: { conditions: [ready('False')] } })).toBe(false);
    expect(isReady({ status: {} })).toBe(false);
    expect(isReady(undefined)).toBe(false);
    expect(findCondition([ready('True')], 'Succeeded')).toBeUndefined();
  });

  it.each([
    [[], 'Pending'],
    [[ready('Unknown')], 'Pending'],
    [[ready('True')], 'Ready'],
    [[ready('False')], 'NotReady'],
    [[{ ...ready('Unknown'), type: 'Succeeded' }], 'Running'],
    [[{ ...ready('True'), type: 'Succeeded' }], 'Succeeded'],
    [[ready('True'), { ...ready('False'), type: 'Succeeded' }], 'Failed'],
  ])('derives %j as %s', (conditions, phase) => {
    expect(derivePhase(conditions as Condition[])).toBe(phase);
  });
});
