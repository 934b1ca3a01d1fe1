import { context, type Context, type TextMapGetter, type TextMapSetter, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { MsgHdrs } from '@nats-io/transport-node';

/** Where trace context travels: HTTP-style headers / event metadata, or NATS message headers. */
export type TraceCarrier = Record<string, string> | MsgHdrs;

// Used directly rather than through the global API so that a message can be stamped even in a
// process (or a test) that never called initTracing.
const propagator = new W3CTraceContextPropagator();

function isNatsHeaders(carrier: TraceCarrier): carrier is MsgHdrs {
  return typeof (carrier as MsgHdrs).get === 'function' && typeof (carrier as MsgHdrs).keys === 'function';
}

const setter: TextMapSetter<TraceCarrier> = {
  set(carrier, key, value) {
    if (isNatsHeaders(carrier)) carrier.set(key, value);
    else carrier[key] = value;
  },
};

const getter: TextMapGetter<TraceCarrier> = {
  keys(carrier) {
    return isNatsHeaders(carrier) ? carrier.keys() : Object.keys(carrier);
  },
  get(carrier, key) {
    if (isNatsHeaders(carrier)) {
      // NATS headers keep the case they were written with; traceparent is written lower case.
      return carrier.has(key) ? carrier.get(key) : undefined;
    }
    const direct = carrier[key];
    if (direct !== undefined) return direct;
    const found = Object.keys(carrier).find((name) => name.toLowerCase() === key);
    return found === undefined ? undefined : carrier[found];
  },
};

/** Writes `traceparent` (and `tracestate`) of `ctx` (default: the active context) into `carrier`. */
export function injectTraceContext<C extends TraceCarrier>(carrier: C, ctx: Context = context.active()): C {
  propagator.inject(ctx, carrier, setter);
  return carrier;
}

/**
 * The context carried by `carrier`, on top of `base` (default: the active context). Run the
 * handling of a message inside it: `context.with(extractTraceContext(msg.headers), handle)`.
 */
export function extractTraceContext(carrier: TraceCarrier | undefined, base: Context = context.active()): Context {
  if (!carrier) return base;
  return propagator.extract(base, carrier, getter);
}

/** The W3C `traceparent` of the active span, for event metadata; undefined outside a span. */
export function currentTraceparent(): string | undefined {
  if (!trace.getSpanContext(context.active())) return undefined;
  return injectTraceContext<Record<string, string>>({}).traceparent;
}
