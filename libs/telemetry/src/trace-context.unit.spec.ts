import { context, trace } from '@opentelemetry/api';
import { headers } from '@nats-io/transport-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { currentTraceparent, extractTraceContext, injectTraceContext } from './trace-context';
import { initTracing, type Tracing, withSpan } from './tracing';

describe('trace context propagation', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;

  beforeAll(() => {
    tracing = initTracing('telemetry-test', { spanProcessors: [new SimpleSpanProcessor(exporter)] });
  });
  afterAll(() => tracing.shutdown());

  it('carries the trace id across a NATS headers round trip', async () => {
    // Given a span on the publishing side
    await withSpan('publish', async (publishSpan) => {
      const sent = injectTraceContext(headers());

      // When the consumer extracts the context from the received headers and opens a span in it
      const received = headers();
      for (const key of sent.keys()) received.set(key, sent.get(key));
      await context.with(extractTraceContext(received), () =>
        withSpan('handle', (handleSpan) => {
          // Then both spans belong to one trace, the handler a child of the publisher
          expect(handleSpan.spanContext().traceId).toBe(publishSpan.spanContext().traceId);
        }),
      );
      expect(sent.get('traceparent')).toMatch(new RegExp(`^00-${publishSpan.spanContext().traceId}-[0-9a-f]{16}-01$`));
    });
    const [handle] = exporter.getFinishedSpans().filter((s) => s.name === 'handle');
    const [publish] = exporter.getFinishedSpans().filter((s) => s.name === 'publish');
    expect(handle.parentSpanContext?.spanId).toBe(publish.spanContext().spanId);
  });

  it('works on a plain record and finds a header written in another case', async () => {
    // Given a traceparent produced inside a span
    const { traceId, carrier } = await withSpan('http', (span) => ({
      traceId: span.spanContext().traceId,
      carrier: injectTraceContext<Record<string, string>>({}),
    }));

    // When it arrives as an HTTP header spelled differently
    const extracted = extractTraceContext({ Traceparent: carrier.traceparent });

    // Then the remote span context is recovered
    expect(trace.getSpanContext(extracted)?.traceId).toBe(traceId);
    expect(trace.getSpanContext(extracted)?.isRemote).toBe(true);
  });

  it('ignores a malformed or missing traceparent', () => {
    // Given garbage headers  When extracted  Then no span context comes out
    expect(trace.getSpanContext(extractTraceContext({ traceparent: 'not-a-traceparent' }))).toBeUndefined();
    expect(trace.getSpanContext(extractTraceContext(headers()))).toBeUndefined();
    expect(trace.getSpanContext(extractTraceContext(undefined))).toBeUndefined();
  });

  it('gives the current traceparent only inside a span', async () => {
    // Given no active span  Then there is no traceparent
    expect(currentTraceparent()).toBeUndefined();
    // When inside a span  Then it names that span
    const inside = await withSpan('op', (span) => ({ tp: currentTraceparent(), id: span.spanContext().spanId }));
    expect(inside.tp).toContain(inside.id);
  });
});
