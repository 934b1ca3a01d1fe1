import { natsNames } from './nats-names';

describe('natsNames', () => {
  const names = natsNames('kastra');

  it('maps a stream id to a subject token by token', () => {
    expect(names.eventSubject('resource:LLM:default:my-llm')).toBe('kastra.events.resource.LLM.default.my-llm');
    expect(names.eventsStream).toBe('KASTRA_EVENTS');
    expect(names.categorySubject('resource')).toBe('kastra.events.resource.>');
  });

  it('never produces an invalid subject, whatever a stream id holds', () => {
    // Given ids with dots, spaces, wildcards and empty parts (thread ids are user input)
    for (const id of ['memory:default:agent:thread.with.dots', 'memory:default:agent:a b*c>', 'usage::x']) {
      const subject = names.eventSubject(id);
      // Then every token is non-empty and free of whitespace and wildcards
      expect(subject.split('.').every((token) => /^[A-Za-z0-9_-]+$/.test(token))).toBe(true);
      expect(subject.split('.')).toHaveLength(2 + id.split(':').length);
    }
  });

  it('rejects a prefix that cannot be a subject token', () => {
    expect(() => natsNames('bad prefix')).toThrow(/KASTRA_NATS_PREFIX/);
  });
});
