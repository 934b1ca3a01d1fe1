import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { initTracing, type Tracing, withSpan } from './tracing';

describe('withSpan', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;

  beforeAll(() => {
    tracing = initTracing('tracing-test', { spanProcessors: [new SimpleSpanProcessor(exporter)] });
  });
  afterEach(() => exporter.reset());
  afterAll(() => tracing.shutdown());

  it('records a finished span with its attributes and service name', async () => {
    // When work runs inside a span
    const result = await withSpan('reconcile', async () => 42, { 'kastra.kind': 'Agent' });

    // Then the value comes back and the exporter got the span
    expect(result).toBe(42);
    const [span] = exporter.getFinishedSpans();
    expect(span.name).toBe('reconcile');
    expect(span.attributes['kastra.kind']).toBe('Agent');
    expect(span.resource.attributes['service.name']).toBe('tracing-test');
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('marks the span as failed and rethrows when the work throws', async () => {
    // When the work fails
    await expect(withSpan('step', () => { throw new Error('boom'); })).rejects.toThrow('boom');

    // Then the span is ended with an error status and the exception event
    const [span] = exporter.getFinishedSpans();
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom' });
    expect(span.events.map((e) => e.name)).toContain('exception');
  });

  it('returns the same provider when initialised twice', () => {
    expect(initTracing('other')).toBe(tracing);
  });
});
