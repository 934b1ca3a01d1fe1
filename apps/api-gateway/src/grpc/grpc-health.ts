import {
  type Server,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  status as GrpcStatus,
  type sendUnaryData,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import type { ReadinessRegistry } from '@kastra/service-host';

/** A Check answers from a readiness evaluated at most this long ago (concurrent Checks share one). */
const FRESH_MS = 1000;
/** How often readiness is evaluated again while Watches are open, so they hear of changes. */
const WATCH_REFRESH_MS = 5000;

/** What a Watch cut by a server shutdown ends with, after it has been sent NOT_SERVING. */
const SHUTTING_DOWN = { code: GrpcStatus.UNAVAILABLE, details: 'the server is shutting down' };

type WatchCall = ServerWritableStream<unknown, unknown>;
type UnaryHandler = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => void;
type WatchHandler = (call: WatchCall) => void;

/**
 * `grpc.health.v1.Health` of the gateway's gRPC server (Check, Watch, List: the grpc-node
 * `grpc-health-check` implementation). The server as a whole ("") and each service it names answer
 * SERVING while the gateway is ready — the same `ReadinessRegistry` as `/readyz` (Postgres, NATS...),
 * or always when the app has none — NOT_SERVING while it is not, and NOT_SERVING for good once
 * shutdown begins; open Watches are then told so and ended with UNAVAILABLE, so they do not hold the
 * shutdown. No token is needed (probes and load balancers have none); it reveals the serving status
 * of the names it was given and nothing else.
 */
export class GrpcHealth {
  private readonly implementation: HealthImplementation;
  private readonly names: string[];
  private current: ServingStatus;
  private readonly watches = new Set<WatchCall>();
  private timer: NodeJS.Timeout | undefined;
  private evaluation: Promise<void> | undefined;
  private evaluatedAt = 0;
  private stopping = false;

  constructor(services: string[], private readonly readiness?: ReadinessRegistry) {
    this.names = ['', ...services];
    // With a registry nothing is SERVING before its first evaluation (every call evaluates first).
    this.current = readiness ? 'NOT_SERVING' : 'SERVING';
    this.implementation = new HealthImplementation(Object.fromEntries(this.names.map((name) => [name, this.current])));
  }

  addToServer(server: Pick<Server, 'addService'>): void {
    this.implementation.addToServer({
      addService: (definition, implementation) => server.addService(definition as unknown as ServiceDefinition, this.wrap(implementation as UntypedServiceImplementation)),
    });
  }

  /** Shutdown begins: NOT_SERVING everywhere from now on; open Watches receive it, then end. */
  beginShutdown(): void {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.timer);
    this.timer = undefined;
    this.setAll('NOT_SERVING');
    for (const call of this.watches) call.emit('error', SHUTTING_DOWN);
    this.watches.clear();
  }

  /** Each call first brings the status up to date with readiness (Check, List, and Watch before its first message). */
  private wrap(implementation: UntypedServiceImplementation): UntypedServiceImplementation {
    const watch = (implementation.watch ?? implementation.Watch) as WatchHandler;
    // grpc-js looks a handler up by method name, then by the name in the .proto: keep one key each.
    const wrapped: UntypedServiceImplementation = {};
    for (const name of ['check', 'list'] as const) {
      const unary = (implementation[name] ?? implementation[name.charAt(0).toUpperCase() + name.slice(1)]) as UnaryHandler | undefined;
      if (!unary) continue;
      wrapped[name] = ((call, callback) => {
        void this.refresh().then(() => unary(call, callback));
      }) as UnaryHandler;
    }
    wrapped.watch = ((call: WatchCall) => {
      if (this.stopping) {
        call.emit('error', SHUTTING_DOWN);
        return;
      }
      this.watches.add(call);
      call.on('cancelled', () => this.forget(call));
      this.keepRefreshing();
      void this.refresh().then(() => {
        if (!call.cancelled && this.watches.has(call)) watch(call);
      });
    }) as WatchHandler;
    return wrapped;
  }

  private forget(call: WatchCall): void {
    this.watches.delete(call);
    if (this.watches.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private keepRefreshing(): void {
    if (this.timer || !this.readiness) return;
    this.timer = setInterval(() => void this.refresh(), WATCH_REFRESH_MS);
    this.timer.unref();
  }

  /** Evaluates readiness (at most once per FRESH_MS, shared by concurrent callers); never rejects. */
  private refresh(): Promise<void> {
    const readiness = this.readiness;
    if (this.stopping || !readiness || Date.now() - this.evaluatedAt < FRESH_MS) return Promise.resolve();
    this.evaluation ??= readiness
      .evaluate()
      .then(
        (report) => (report.ready ? 'SERVING' : 'NOT_SERVING'),
        () => 'NOT_SERVING' as const,
      )
      .then((status) => {
        this.evaluatedAt = Date.now();
        if (!this.stopping) this.setAll(status);
      })
      .finally(() => (this.evaluation = undefined));
    return this.evaluation;
  }

  /** Watchers hear of a change only, as the protocol says. */
  private setAll(status: ServingStatus): void {
    if (status === this.current) return;
    this.current = status;
    for (const name of this.names) this.implementation.setStatus(name, status);
  }
}
