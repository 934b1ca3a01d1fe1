import type { Pool } from 'pg';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { EventStore, migrate } from '@kastra/event-store';
import { initTracing, type Tracing } from '@kastra/telemetry';
import { createTestDatabase, deleteTestStreams, eventually, TEST_NATS_URL, testNatsPrefix, type TestDatabase } from '@kastra/testing';
import { DurableConsumer } from './durable-consumer';
import { startEventRelay, type EventRelay } from './event-relay';
import { natsNames } from './nats-names';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const WRITER_SPAN_ID = '00f067aa0ba902b7';

describe('a consumer handles each event inside a span of the trace that appended it', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let db: TestDatabase;
  let pool: Pool;
  let nc: NatsConnection;
  let relay: EventRelay;
  const prefix = testNatsPrefix('trace');

  beforeAll(async () => {
    tracing = initTracing('consumer-tracing-test', { spanProcessors: [new SimpleSpanProcessor(exporter)] });
    db = await createTestDatabase('consumertrace');
    pool = db.pool();
    await migrate(pool);
    nc = await connect({ servers: TEST_NATS_URL });
    relay = await startEventRelay({ pool, nc, prefix, databaseUrl: db.url });
  });
  afterAll(async () => {
    await relay?.stop();
    await nc?.close();
    await deleteTestStreams(prefix);
    await db?.drop();
    await tracing?.shutdown();
  });

  it('starts a consumer span, child of the writer span, that is active in the handler', async () => {
    // Given an event appended by a writer in trace TRACE_ID
    await new EventStore(pool).append('traced:one', [{ type: 'Traced', data: {} }], {
      metadata: { traceparent: `00-${TRACE_ID}-${WRITER_SPAN_ID}-01` },
    });
    // When a durable consumer handles it
    const active: { traceId?: string; spanId?: string } = {};
    const consumer = new DurableConsumer({
      nc,
      prefix,
      durableName: 'tracing-check',
      filterSubject: natsNames(prefix).categorySubject('traced'),
      handle: async () => {
        const span = trace.getSpanContext(context.active());
        Object.assign(active, { traceId: span?.traceId, spanId: span?.spanId });
      },
    });
    await consumer.start();
    await eventually(async () => exporter.getFinishedSpans().length > 0, 15_000);
    await consumer.stop();
    // Then one CONSUMER span of the same trace, parented by the writer's span, was the handler's
    const [span] = exporter.getFinishedSpans();
    expect(span.kind).toBe(SpanKind.CONSUMER);
    expect(span.spanContext().traceId).toBe(TRACE_ID);
    expect(span.parentSpanContext?.spanId).toBe(WRITER_SPAN_ID);
    expect(span.attributes['messaging.consumer.group.name']).toBe('tracing-check');
    expect(active).toEqual({ traceId: TRACE_ID, spanId: span.spanContext().spanId });
  });
});
