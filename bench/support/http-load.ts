import * as fs from 'node:fs';
import * as http from 'node:http';
import { percentile } from './bench-report';

/** One request's outcome as the load generator saw it. */
export interface Sample {
  /** When the request was due (performance.now()): its place in the open loop's schedule, or, sequentially, when it was started. */
  scheduledAt: number;
  /** When the generator handed it to a connection: `sentAt - scheduledAt` is the generator's own lag. */
  sentAt: number;
  /** From `scheduledAt` to the end of the answer: a request the generator sent late is charged its lateness (no coordinated omission). */
  ms: number;
  ok: boolean;
  status?: number;
  /** The proxy's self-reported overhead header, when the answer had one. */
  overhead?: number;
  /** Why there was no answer (ECONNRESET, timeout, ...). */
  failure?: string;
}

export interface SampleStats {
  requests: number;
  p50: number;
  p99: number;
  errors: number;
  errorsByStatus: Record<string, number>;
  overheadP50: number;
  overheadP99: number;
  /** The generator's lag (sent - scheduled), ms. */
  lagP50: number;
  lagP99: number;
  lagMax: number;
}

/**
 * The load generator's client: node:http over kept-alive sockets, much cheaper per request than
 * fetch (which cost ~2 ms of CPU a request and starved the proxy on 2 cores). Every path a
 * benchmark compares uses it. An agent timeout of its own is what makes Node's agent honour a
 * server's `Keep-Alive: timeout=5` (idle sockets closed a second before the server closes them);
 * without one, a socket the server is closing can be picked for a request: ECONNRESET.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024, timeout: 60_000 });

/** POSTs `body`; latency is counted from `scheduledAt` (default: now), not from when it went out. */
export function timedPost(url: string, body: string, headers: Record<string, string>, scheduledAt = performance.now()): Promise<Sample> {
  const target = new URL(url);
  let sentAt = Number.NaN;
  return new Promise((resolve) => {
    const done = (outcome: Omit<Sample, 'scheduledAt' | 'sentAt' | 'ms'>) => {
      const now = performance.now();
      // No connection was ever given (refused before): it left when it failed.
      resolve({ scheduledAt, sentAt: Number.isNaN(sentAt) ? now : sentAt, ms: now - scheduledAt, ...outcome });
    };
    const request = http.request(
      { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers }, timeout: 60_000 },
      (response) => {
        response.resume();
        response.once('end', () => {
          const overhead = response.headers['x-kastra-proxy-overhead-ms'];
          const ok = (response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 300;
          done({ ok, status: response.statusCode, ...(typeof overhead === 'string' ? { overhead: Number(overhead) } : {}) });
        });
        response.once('error', (error: NodeJS.ErrnoException) => done({ ok: false, failure: error.code ?? error.message }));
      },
    );
    // The request gets its connection (kept-alive or new) on a later tick: that is when it leaves the generator.
    request.once('socket', () => (sentAt = performance.now()));
    request.once('timeout', () => request.destroy(new Error('timeout')));
    request.once('error', (error: NodeJS.ErrnoException) => done({ ok: false, failure: `${error.code ?? error.message}${request.reusedSocket ? ' on a reused socket' : ''}` }));
    request.end(body);
  });
}

/** `count` requests one after the other (closed loop: each is due when the previous one ended). */
export async function sequential(url: string, body: string, headers: Record<string, string>, count: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let i = 0; i < count; i++) samples.push(await timedPost(url, body, headers));
  return samples;
}

/**
 * Open loop: request i is due at start + i * 1000/rate ms, for `seconds`, whatever the answers
 * do. A request is never sent before it is due; when the generator wakes late, everything
 * already due goes out at once (the schedule does not slide), and each request's latency counts
 * from when it was due, so the generator's lateness is charged to the latency, not hidden
 * (coordinated omission). How late the generator was is in each sample (`sentAt - scheduledAt`).
 */
export async function openLoop(url: string, body: string, headers: Record<string, string>, rate: number, seconds: number): Promise<Sample[]> {
  const pending: Array<Promise<Sample>> = [];
  const interval = 1000 / rate;
  const total = Math.round(rate * seconds);
  const started = performance.now();
  for (let next = 0; next < total; ) {
    const due = started + next * interval;
    const wait = due - performance.now();
    if (wait > 0) {
      // Timers have millisecond granularity and may wake a little early: check again on waking.
      await new Promise((resolve) => setTimeout(resolve, wait));
      continue;
    }
    pending.push(timedPost(url, body, headers, due));
    next++;
  }
  return Promise.all(pending);
}

/** A phase whose generator lag p99 is over this many ms measured the generator as much as the target. */
export const LAG_LIMIT_MS = Number(process.env.BENCH_LAG_LIMIT_MS ?? 5);

export function statsOf(samples: Sample[]): SampleStats {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const lag = samples.map((s) => s.sentAt - s.scheduledAt).sort((a, b) => a - b);
  const overhead = samples.filter((s) => s.overhead !== undefined).map((s) => s.overhead!).sort((a, b) => a - b);
  const failed = samples.filter((s) => !s.ok);
  const errorsByStatus: Record<string, number> = {};
  for (const sample of failed) {
    const key = sample.status !== undefined ? String(sample.status) : `no answer (${sample.failure ?? 'unknown'})`;
    errorsByStatus[key] = (errorsByStatus[key] ?? 0) + 1;
  }
  return {
    requests: samples.length,
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    errors: failed.length,
    errorsByStatus,
    overheadP50: percentile(overhead, 50),
    overheadP99: percentile(overhead, 99),
    lagP50: percentile(lag, 50),
    lagP99: percentile(lag, 99),
    lagMax: lag.length > 0 ? lag[lag.length - 1] : Number.NaN,
  };
}

/** True when the generator was too late, too often, for a phase's latencies to be the target's. */
export function lagTooHigh(stats: SampleStats): boolean {
  return !(stats.lagP99 <= LAG_LIMIT_MS);
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
