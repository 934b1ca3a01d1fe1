import { EventBus } from './event-bus';

describe('EventBus', () => {
  it('delivers a topic to its subscribers, a prefix to `x.*` and everything to `*`, until they unsubscribe', () => {
    const bus = new EventBus();
    const got: string[] = [];
    const exact = bus.subscribe('resource.Agent', (message, topic) => got.push(`exact ${topic} ${String(message)}`));
    bus.subscribe('resource.*', (message, topic) => got.push(`prefix ${topic}`));
    bus.subscribe('*', (message, topic) => got.push(`all ${topic}`));
    bus.publish('resource.Agent', 1);
    bus.publish('run.WorkflowRun', 2);
    exact.unsubscribe();
    bus.publish('resource.Agent', 3);
    expect(got).toEqual(['exact resource.Agent 1', 'prefix resource.Agent', 'all resource.Agent', 'all run.WorkflowRun', 'prefix resource.Agent', 'all resource.Agent']);
    expect(bus.subscriberCount).toBe(2);
  });

  it('keeps delivering when a handler throws, and reports the error', () => {
    const errors: unknown[] = [];
    const bus = new EventBus((error) => errors.push(error));
    const got: number[] = [];
    bus.subscribe('t', () => {
      throw new Error('handler bug');
    });
    bus.subscribe('t', (message: number) => got.push(message));
    bus.publish('t', 7);
    expect(got).toEqual([7]);
    expect(errors).toEqual([new Error('handler bug')]);
  });

  it('does not match a topic that only shares a prefix without the dot', () => {
    const bus = new EventBus();
    const got: string[] = [];
    bus.subscribe('resource.*', (_m, topic) => got.push(topic));
    bus.publish('resources', 1);
    bus.publish('resource', 1);
    expect(got).toEqual([]);
  });
});
