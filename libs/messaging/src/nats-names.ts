/** Every JetStream stream and subject name of one installation, derived from its prefix. */
export interface NatsNames {
  prefix: string;
  /** The stream every log event is relayed to. */
  eventsStream: string;
  /** `<prefix>.events.>` */
  allEventsSubject: string;
  /** Subject of one event: `<prefix>.events.<streamId with ':' as '.'>`. */
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
    eventSubject: (streamId) => `${prefix}.events.${streamId.replace(/:/g, '.')}`,
    categorySubject: (category) => `${prefix}.events.${category}.>`,
  };
}
