/** What a caller appends. */
export interface NewEvent<Data = Record<string, unknown>> {
  type: string;
  data: Data;
  /** Defaults to a random UUID; it becomes the JetStream message id. */
  eventId?: string;
}

/** Correlation, causation, who, and the trace, carried by every event. */
export interface EventMetadata {
  correlationId?: string;
  causationId?: string;
  actor?: string;
  traceparent?: string;
  tracestate?: string;
  [key: string]: unknown;
}

/** An event as stored in the log. */
export interface RecordedEvent<Data = Record<string, unknown>> {
  eventId: string;
  streamId: string;
  /** 1 for the first event of a stream. */
  streamVersion: number;
  /** Position in the whole log (the resourceVersion); gaps are possible. */
  globalPosition: string;
  /** The appending transaction; log readers go in (transactionId, globalPosition) order. */
  transactionId: string;
  category: string;
  type: string;
  data: Data;
  metadata: EventMetadata;
  createdAt: string;
}

/** The category of a stream id is its first `:`-separated part: `resource:LLM:default:my-llm` → `resource`. */
export function categoryOf(streamId: string): string {
  const colon = streamId.indexOf(':');
  return colon === -1 ? streamId : streamId.slice(0, colon);
}
