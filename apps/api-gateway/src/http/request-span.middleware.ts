import type { NextFunction, Request, Response } from 'express';
import { context, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import { extractTraceContext, injectTraceContext } from '@kastra/telemetry';

// Async context does not survive Express's body streams, so the request keeps its own.
const requestContexts = new WeakMap<Request, Context>();

/** The W3C traceparent of the request's span. */
export function traceparentOf(req: Request): string | undefined {
  const ctx = requestContexts.get(req);
  return ctx ? injectTraceContext<Record<string, string>>({}, ctx).traceparent : undefined;
}

/**
 * One server span per request, a child of the caller's `traceparent` when it sent one (kubectl
 * does not), active while the request is handled: the events it appends carry its trace context,
 * and so do the NATS messages the relay publishes for them.
 */
export function requestSpanMiddleware() {
  const tracer = trace.getTracer('kastra-api-gateway');
  return (req: Request, res: Response, next: NextFunction): void => {
    const parent = extractTraceContext(req.headers as Record<string, string>);
    const span = tracer.startSpan(`${req.method} ${req.path}`, { kind: SpanKind.SERVER, attributes: { 'http.method': req.method } }, parent);
    res.on('finish', () => {
      span.setAttribute('http.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    res.on('close', () => span.end());
    const ctx = trace.setSpan(parent, span);
    requestContexts.set(req, ctx);
    context.with(ctx, next);
  };
}
