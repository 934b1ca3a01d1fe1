import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { JwtAuthority, loadDevelopmentSecrets } from '@kastra/auth';
import { migrate } from '@kastra/event-store';
import { createTestDatabase, deleteTestStreams, freePort, testNatsPrefix, type TestDatabase } from '@kastra/testing';
import { cleanUpOnStop } from './clean-up-on-stop';
import { startServiceProcess, type ServiceProcess } from './service-process';

/** The services `npm start` runs that a workflow run goes through (the network-router is left out: no run here uses it). */
export const RUN_SERVICES = ['api-gateway', 'controller-manager', 'workflow-executor', 'llm-proxy'] as const;
export type RunService = (typeof RUN_SERVICES)[number];

/** Provider keys must not leak in from the machine: the examples' mock needs none. */
const PROVIDER_KEYS = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GOOGLE_API_KEY', 'GROQ_API_KEY', 'MOONSHOT_API_KEY', 'QWEN_API_KEY'];

/**
 * Limits on, as a user running the stack with per-user limits would have them: every model call
 * reserves and settles its user's charges in Redis (never reached at these rates).
 */
const USER_LIMITS = { KASTRA_LLM_USER_RPM: '1000000', KASTRA_LLM_USER_TPM: '1000000000' };

/** A stack of Kastra's services from dist/ on a database, NATS prefix, home and ports of its own. */
export interface BenchStack {
  readonly gatewayUrl: string;
  /** A real JWT of the stack's signing secret (an admin, as `npm start`'s example run uses). */
  readonly token: string;
  readonly database: TestDatabase;
  readonly services: Map<RunService, ServiceProcess>;
  /** Server-side apply of YAML/JSON documents through the gateway, as `npm start` applies the examples. */
  apply(manifests: Array<{ apiVersion?: string; kind: string; metadata: { name: string; namespace?: string } }>): Promise<void>;
  /** Waits until each `plural/namespace/name` reports Ready=True. */
  waitReady(objects: string[], timeoutMs: number): Promise<void>;
  /** The last few warning/error lines each service logged (LOG_LEVEL=warn): why calls failed. */
  problems(perService?: number): string[];
  /** Stops the services, drops the database, deletes the streams, Redis keys and home (also on SIGTERM/SIGINT). */
  stop(): Promise<void>;
}

/**
 * Starts the stack; when Postgres refused a connection at start ("too many clients": the machine's
 * server is shared with other work), everything is stopped and the start tried again, up to 3 times.
 */
export async function startBenchStack(label: string, services: readonly RunService[] = RUN_SERVICES): Promise<BenchStack> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(label, services);
    } catch (error) {
      if (attempt >= 3 || !/too many clients/.test(String((error as Error).message))) throw error;
      console.error(`bench stack: Postgres had no connection to spare at start (attempt ${attempt}); trying again in 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 10_000));
    }
  }
}

async function startOnce(label: string, services: readonly RunService[]): Promise<BenchStack> {
  const database = await createTestDatabase(label);
  const prefix = testNatsPrefix(label.slice(0, 8));
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `kastra-bench-${label}-`));
  const started = new Map<RunService, ServiceProcess>();
  const stop = cleanUpOnStop(async () => {
    for (const service of [...started.values()].reverse()) await service.stop();
    await database.drop().catch(() => undefined);
    await deleteTestStreams(prefix).catch(() => undefined);
    await deleteRedisKeys(prefix).catch(() => undefined);
    fs.rmSync(home, { recursive: true, force: true });
  });
  try {
    const pool = database.pool({ max: 1 });
    await migrate(pool);
    await pool.end();
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: database.url, KASTRA_NATS_PREFIX: prefix, KASTRA_HOME: home, LOG_LEVEL: 'warn', ...USER_LIMITS };
    for (const name of PROVIDER_KEYS) delete env[name];
    // The gateway first (it writes the development secrets into the home), then the rest at once.
    const gatewayEnv = { ...env, HTTPS_PORT: String(await freePort()), GRPC_PORT: String(await freePort()) };
    if (services.includes('api-gateway')) started.set('api-gateway', await startServiceProcess('api-gateway', await freePort(), gatewayEnv));
    const rest = services.filter((s) => s !== 'api-gateway');
    const ports = await Promise.all(rest.map(() => freePort()));
    // Every one that started is kept for stop(), also when another did not start.
    const outcomes = await Promise.allSettled(rest.map(async (service, i) => started.set(service, await startServiceProcess(service, ports[i], env))));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
    const gateway = started.get('api-gateway');
    if (!gateway) throw new Error('a bench stack needs the api-gateway');
    const token = new JwtAuthority(loadDevelopmentSecrets(home).jwtSecret).issue({ sub: 'bench', role: 'admin' }, '1h');
    const request = async (method: string, url: string, body?: string, contentType?: string) => {
      const response = await fetch(`${gateway.url}${url}`, { method, headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(contentType ? { 'content-type': contentType } : {}) }, body });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${url.split('?')[0]}: HTTP ${response.status} ${text.slice(0, 300)}`);
      return text ? (JSON.parse(text) as Record<string, unknown>) : {};
    };
    return {
      gatewayUrl: gateway.url,
      token,
      database,
      services: started,
      async apply(manifests) {
        for (const manifest of manifests) {
          const namespace = manifest.metadata.namespace ?? 'default';
          const target = `/apis/${manifest.apiVersion ?? 'mastra.ai/v1'}/namespaces/${namespace}/${pluralOf(manifest.kind)}/${manifest.metadata.name}?fieldManager=kastra&force=true`;
          // Applied again (server-side apply is idempotent) after a failure, up to 3 times: the shared Postgres may be out of connections for a moment.
          for (let attempt = 1; ; attempt++) {
            try {
              await request('PATCH', target, JSON.stringify(manifest), 'application/apply-patch+yaml');
              break;
            } catch (error) {
              if (attempt >= 3) throw error;
              await new Promise((resolve) => setTimeout(resolve, 2000));
            }
          }
        }
      },
      async waitReady(objects, timeoutMs) {
        const deadline = Date.now() + timeoutMs;
        for (const object of objects) {
          const [plural, namespace, name] = object.split('/');
          for (;;) {
            // A read that fails (the shared Postgres out of connections for a moment) is read again until the deadline.
            let found: { status?: { conditions?: { type: string; status: string; message?: string }[] } } | Error;
            try {
              found = (await request('GET', `/apis/mastra.ai/v1/namespaces/${namespace}/${plural}/${name}`)) as typeof found;
            } catch (error) {
              found = error as Error;
            }
            const ready = found instanceof Error ? undefined : found.status?.conditions?.find((c) => c.type === 'Ready');
            if (ready?.status === 'True') break;
            if (Date.now() > deadline) throw new Error(`${object} not Ready within ${timeoutMs} ms: ${found instanceof Error ? found.message : JSON.stringify(ready ?? found.status ?? null)}`);
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      },
      problems(perService = 3) {
        const out: string[] = [];
        for (const [name, service] of started) {
          const lines = service.logs().split('\n').filter((line) => /warn|error|fatal/i.test(line));
          for (const line of lines.slice(-perService)) out.push(`${name}: ${line.slice(0, 400)}`);
        }
        return out;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The REST plural of a built-in kind (lower case + s; the kinds a bench creates all follow it). */
export function pluralOf(kind: string): string {
  return `${kind.toLowerCase()}s`;
}

async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
