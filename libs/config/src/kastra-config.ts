import * as path from 'node:path';

/**
 * Everything a Kastra process reads from its environment, in one place.
 * Defaults are those docs/operations.md lists.
 */
export interface KastraConfig {
  /** Postgres holding the event log and read models. @default postgres://postgres@127.0.0.1:5432/kastra */
  databaseUrl: string;
  /** NATS server with JetStream. @default nats://127.0.0.1:4222 */
  natsUrl: string;
  /**
   * Prefix of every JetStream stream, consumer and subject this installation uses, so that test
   * runs and stacks on one NATS server never see each other. @default kastra
   */
  natsPrefix: string;
  /** Where development secrets (JWT secret, master key, TLS certificate) are kept. @default ./.kastra */
  homeDir: string;
  /** This process's HTTP port (each service has its own default). */
  port: number;
  /**
   * The address every listener of this process (HTTP, HTTPS, gRPC) binds to: loopback unless
   * the operator opens it (`KASTRA_BIND=0.0.0.0`, or one interface's address). @default 127.0.0.1
   */
  bindAddress: string;
}

/** Where a Kastra process listens (KASTRA_BIND): only this host unless the operator opens it. */
export function bindAddressOf(env: NodeJS.ProcessEnv = process.env): string {
  const value = env.KASTRA_BIND?.trim();
  return value ? value : '127.0.0.1';
}

export function loadConfig(defaultPort: number, env: NodeJS.ProcessEnv = process.env): KastraConfig {
  return {
    databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/kastra',
    natsUrl: env.NATS_URL ?? 'nats://127.0.0.1:4222',
    natsPrefix: env.KASTRA_NATS_PREFIX ?? 'kastra',
    homeDir: path.resolve(env.KASTRA_HOME ?? path.join(process.cwd(), '.kastra')),
    port: env.PORT ? Number(env.PORT) : defaultPort,
    bindAddress: bindAddressOf(env),
  };
}

/** Default HTTP ports of the services (docs/operations.md). */
export const SERVICE_PORTS = {
  'api-gateway': 8080,
  'llm-proxy': 8081,
  'controller-manager': 8082,
  'workflow-executor': 8083,
  'network-router': 8084,
} as const;

export type ServiceName = keyof typeof SERVICE_PORTS;

/**
 * Node/V8 flags a service is started with, wherever it is started (npm start, `npm run service`,
 * test and benchmark processes; docker-compose passes the same on the llm-proxy's command line,
 * as NODE_OPTIONS does not take --min-semi-space-size). The llm-proxy allocates ~60 KB of
 * short-lived objects per call: with V8's default young generation it scavenges many times a
 * second under load, 4–15 ms each on our 2-core target. A fixed 32 MiB one (min = max) scavenges
 * about once a second at 500 calls/s, and does not start small after a quiet spell — V8 shrinks
 * a growable one when idle, and the next burst then met a scavenge every 20–50 ms, promoted its
 * in-flight calls and set off a major GC (docs/llm-proxy.md). `--heap-growing-percent=300` fixes
 * the old generation's growth factor at 4, V8's own upper bound (its default picks 1.1–4 from the
 * GC's speed, and for the proxy's ~40 MiB heap picked ~2): marking starts again only when the old
 * generation has grown to 4× what survived the last one. Each major GC's concurrent marking takes
 * a core from the calls in flight for ~50–300 ms; at 500 calls/s they came every 15–30 s and were
 * the whole p99 tail, now one every ~5 minutes — for a heap that runs up to ~160 MiB under
 * sustained load (peak RSS 278 MiB over 6 minutes at 500 calls/s, was ~175 MiB).
 */
export const SERVICE_NODE_FLAGS: Record<ServiceName, readonly string[]> = {
  'api-gateway': [],
  'llm-proxy': ['--max-semi-space-size=32', '--min-semi-space-size=32', '--heap-growing-percent=300'],
  'controller-manager': [],
  'workflow-executor': [],
  'network-router': [],
};
