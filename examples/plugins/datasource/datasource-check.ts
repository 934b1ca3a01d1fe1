import { Client } from 'pg';

/** A DataSource's spec, as its CRD's schema says (defaults applied by the API). */
export interface DataSourceSpec {
  type: 'http' | 'postgres';
  description?: string;
  http?: { url: string };
  postgres?: { host: string; port?: number; database?: string; user?: string };
  checkIntervalSeconds?: number;
}

export interface CheckOutcome {
  ready: boolean;
  reason: string;
  message: string;
}

const CHECK_TIMEOUT_MS = 5000;

/** Whether the data source answers now: a GET answering 2xx, or a Postgres connection running `SELECT 1`. */
export async function checkDataSource(spec: DataSourceSpec): Promise<CheckOutcome> {
  if (spec.type === 'http') {
    if (!spec.http?.url) return { ready: false, reason: 'InvalidSpec', message: 'spec.http.url is required for type http' };
    return checkHttp(spec.http.url);
  }
  if (spec.type === 'postgres') {
    if (!spec.postgres?.host) return { ready: false, reason: 'InvalidSpec', message: 'spec.postgres.host is required for type postgres' };
    return checkPostgres(spec.postgres);
  }
  return { ready: false, reason: 'InvalidSpec', message: `unknown type ${JSON.stringify(spec.type)}: http or postgres` };
}

async function checkHttp(url: string): Promise<CheckOutcome> {
  const shown = withoutCredentials(url);
  try {
    const response = await fetch(shown, { method: 'GET', headers: basicAuthOf(url), redirect: 'manual', signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
    await response.body?.cancel();
    if (response.status >= 200 && response.status < 300) return { ready: true, reason: 'Reachable', message: `GET ${shown} answered ${response.status}` };
    return { ready: false, reason: 'UnexpectedStatus', message: `GET ${shown} answered ${response.status}; Ready needs a 2xx answer` };
  } catch (error) {
    return { ready: false, reason: 'Unreachable', message: `GET ${shown} failed: ${causeOf(error)}` };
  }
}

async function checkPostgres(target: NonNullable<DataSourceSpec['postgres']>): Promise<CheckOutcome> {
  const port = target.port ?? 5432;
  const database = target.database ?? 'postgres';
  const where = `postgres://${target.user ?? 'postgres'}@${target.host}:${port}/${database}`;
  const client = new Client({ host: target.host, port, database, user: target.user ?? 'postgres', connectionTimeoutMillis: CHECK_TIMEOUT_MS, query_timeout: CHECK_TIMEOUT_MS });
  // A failed connection also emits 'error' on the client: without a listener it would end the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { ready: true, reason: 'Connected', message: `connected to ${where}` };
  } catch (error) {
    return { ready: false, reason: 'ConnectionFailed', message: `cannot connect to ${where}: ${causeOf(error)}` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** `user:password@` of a URL as a Basic authorization header (fetch refuses URLs carrying them). */
export function basicAuthOf(url: string): Record<string, string> {
  try {
    const { username, password } = new URL(url);
    if (!username && !password) return {};
    return { authorization: `Basic ${Buffer.from(`${decodeURIComponent(username)}:${decodeURIComponent(password)}`).toString('base64')}` };
  } catch {
    return {};
  }
}

/** A URL as messages show it and requests use it: user and password left out. */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '<invalid URL>';
  }
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${CHECK_TIMEOUT_MS / 1000} s`;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
