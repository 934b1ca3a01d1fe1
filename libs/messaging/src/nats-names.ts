/** Every JetStream stream and subject name of one installation, derived from its prefix. */
export interface NatsNames {
  prefix: string;
  /** The stream every log event is relayed to. */
  eventsStream: string;
  /** `<prefix>.events.>` */
  allEventsSubject: string;
  /**
   * Subject of one event: `<prefix>.events.<streamId with ':' as '.'>`. Characters a subject
   * token cannot hold (dots, spaces, wildcards — a thread id may contain anything) become '_',
   * so no stream id can make the relay publish to an invalid subject.
   */
  eventSubject(streamId: string): string;
  /** `<prefix>.events.<category>.>` */
  categorySubject(category: string): string;
}

export function natsNames(prefix: string): NatsNames {
  if (!/^[A-Za-z0-9_-]+$/.test(prefix)) throw new Error(`KASTRA_NATS_PREFIX must be letters, digits, '-' or '_', got "${prefix}"`);
  const streamPrefix = prefix.toUpperCase().replace(/-/g, '_');
  return {
    prefix,
    eventsStream: `${streamPrefix}_EVENTS`,
    allEventsSubject: `${prefix}.events.>`,
    eventSubject: (streamId) => `${prefix}.events.${streamId.split(':').map(subjectToken).join('.')}`,
    categorySubject: (category) => `${prefix}.events.${category}.>`,
  };
}

function subjectToken(part: string): string {
  return part.replace(/[^A-Za-z0-9_-]/g, '_') || '_';
}
