import { context, type Attributes, type Context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NodeTracerProvider,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';

export interface TracingOptions {
  /**
   * Extra span processors (tests pass a SimpleSpanProcessor over an InMemorySpanExporter).
   * @default a console exporter when OTEL_EXPORTER=console, else none
   */
  spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  provider: NodeTracerProvider;
  /** Flushes pending spans and stops the exporters. */
  shutdown(): Promise<void>;
}

let active: Tracing | undefined;

/**
 * Registers the OpenTelemetry tracer provider of this process (once; later calls return the same
 * one). Spans are always created and their context propagated, so trace ids flow through NATS
 * headers and event metadata even when no exporter is configured (no OTLP exporter is bundled).
 */
export function initTracing(service: string, options: TracingOptions = {}): Tracing {
  if (active) return active;
  const spanProcessors = [...(options.spanProcessors ?? [])];
  if (process.env.OTEL_EXPORTER === 'console') spanProcessors.push(new BatchSpanProcessor(new ConsoleSpanExporter()));
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: service }),
    spanProcessors,
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  const tracing: Tracing = {
    provider,
    async shutdown() {
      await provider.shutdown();
      if (active === tracing) active = undefined;
      trace.disable();
      context.disable();
    },
  };
  active = tracing;
  return tracing;
}

const TRACER_NAME = 'kastra';

/**
 * Runs `fn` inside a new span (a child of `parent`, default the active context), ending it when
 * `fn` settles and recording a thrown error on it.
 */
export async function withSpan<T>(
  name: string,
  fn: (span: Span) => Promise<T> | T,
  attributes?: Attributes,
  parent: Context = context.active(),
  kind: SpanKind = SpanKind.INTERNAL,
): Promise<T> {
  const tracer = trace.getTracer(TRACER_NAME);
  return tracer.startActiveSpan(name, { attributes, kind }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}
