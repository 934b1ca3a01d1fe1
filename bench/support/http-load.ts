import * as fs from 'node:fs';
import * as http from 'node:http';
import { percentile } from './bench-report';

/** One request's outcome as the load generator saw it. */
export interface Sample {
  /** When the request was sent (performance.now()). */
  at: number;
  ms: number;
  ok: boolean;
  status?: number;
  /** The proxy's self-reported overhead header, when the answer had one. */
  overhead?: number;
  /** Why there was no answer (ECONNRESET, timeout, ...). */
  failure?: string;
}

export interface SampleStats {
  p50: number;
  p99: number;
  errors: number;
  errorsByStatus: Record<string, number>;
  overheadP50: number;
  overheadP99: number;
}

/**
 * The load generator's client: node:http over kept-alive sockets, much cheaper per request than
 * fetch (which cost ~2 ms of CPU a request and starved the proxy on 2 cores). Every path a
 * benchmark compares uses it.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 });

export function timedPost(url: string, body: string, headers: Record<string, string>): Promise<Sample> {
  const started = performance.now();
  const target = new URL(url);
  return new Promise((resolve) => {
    const request = http.request(
      { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers }, timeout: 60_000 },
      (response) => {
        response.resume();
        response.once('end', () => {
          const overhead = response.headers['x-kastra-proxy-overhead-ms'];
          const ok = (response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 300;
          resolve({ at: started, ms: performance.now() - started, ok, status: response.statusCode, ...(typeof overhead === 'string' ? { overhead: Number(overhead) } : {}) });
        });
        response.once('error', (error: NodeJS.ErrnoException) => resolve({ at: started, ms: performance.now() - started, ok: false, failure: error.code ?? error.message }));
      },
    );
    request.once('timeout', () => request.destroy(new Error('timeout')));
    request.once('error', (error: NodeJS.ErrnoException) => resolve({ at: started, ms: performance.now() - started, ok: false, failure: error.code ?? error.message }));
    request.end(body);
  });
}

/** `count` requests one after the other. */
export async function sequential(url: string, body: string, headers: Record<string, string>, count: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let i = 0; i < count; i++) samples.push(await timedPost(url, body, headers));
  return samples;
}

/** Open loop: one request every 1000/rate ms for `seconds`, whatever the answers do. */
export async function openLoop(url: string, body: string, headers: Record<string, string>, rate: number, seconds: number): Promise<Sample[]> {
  const pending: Array<Promise<Sample>> = [];
  const interval = 1000 / rate;
  const started = performance.now();
  for (let i = 0; i < rate * seconds; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(timedPost(url, body, headers));
  }
  return Promise.all(pending);
}

export function statsOf(samples: Sample[]): SampleStats {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const overhead = samples.filter((s) => s.overhead !== undefined).map((s) => s.overhead!).sort((a, b) => a - b);
  const failed = samples.filter((s) => !s.ok);
  const errorsByStatus: Record<string, number> = {};
  for (const sample of failed) {
    const key = sample.status !== undefined ? String(sample.status) : `no answer (${sample.failure ?? 'unknown'})`;
    errorsByStatus[key] = (errorsByStatus[key] ?? 0) + 1;
  }
  return { p50: percentile(ms, 50), p99: percentile(ms, 99), errors: failed.length, errorsByStatus, overheadP50: percentile(overhead, 50), overheadP99: percentile(overhead, 99) };
}

/** utime + stime of a process, in seconds (Linux /proc; USER_HZ is 100). */
export function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/**
 * The share of the machine's CPU time the hypervisor took for others ("steal") while `work`
 * ran, in percent: a phase measured while the host was busy elsewhere is slower for reasons that
 * are not the code's.
 */
export async function withStealPercent<T>(work: () => Promise<T>): Promise<{ value: T; stealPercent: number }> {
  const before = cpuTicks();
  const value = await work();
  const after = cpuTicks();
  const total = after.total - before.total;
  return { value, stealPercent: total > 0 ? ((after.steal - before.steal) / total) * 100 : 0 };
}

function cpuTicks(): { total: number; steal: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
  // cpu user nice system idle iowait irq softirq steal guest guest_nice
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return { total: fields.reduce((sum, n) => sum + n, 0), steal: fields[7] ?? 0 };
}
