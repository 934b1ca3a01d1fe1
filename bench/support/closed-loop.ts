import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import { percentile } from './bench-report';
import { cpuSeconds, type Sample } from './http-load';

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, timeout: 60_000 });

/**
 * One POST over kept-alive sockets, timed from when it was called. Unlike http-load's
 * `timedPost`, a call may take long: an idle socket's timeout (a second under the server's
 * Keep-Alive hint, set by the agent) is replaced by 120 s once the socket carries this request,
 * so a run of several seconds on a reused socket is not cut as "timeout". The query string is kept.
 */
export function post(url: string, body: string, headers: Record<string, string>): Promise<Sample> {
  const target = new URL(url);
  const scheduledAt = performance.now();
  let sentAt = scheduledAt;
  return new Promise((resolve) => {
    const done = (outcome: Pick<Sample, 'ok' | 'status' | 'failure'>) => resolve({ scheduledAt, sentAt, ms: performance.now() - scheduledAt, ...outcome });
    const request = http.request(
      { agent, host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } },
      (response) => {
        const ok = (response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 300;
        // A failed call's answer is kept (its first 300 characters) to say why; a good one is not read.
        let text = '';
        if (ok) response.resume();
        else response.on('data', (chunk: Buffer) => (text = (text + chunk.toString()).slice(0, 300)));
        response.once('end', () => done({ ok, status: response.statusCode, ...(ok ? {} : { failure: messageOf(text) }) }));
        response.once('error', (error: NodeJS.ErrnoException) => done({ ok: false, failure: error.code ?? error.message }));
      },
    );
    request.once('socket', (socket) => {
      sentAt = performance.now();
      socket.setTimeout(120_000);
    });
    request.once('timeout', () => request.destroy(new Error('timeout')));
    request.once('error', (error: NodeJS.ErrnoException) => done({ ok: false, failure: `${error.code ?? error.message}${request.reusedSocket ? ' on a reused socket' : ''}` }));
    request.end(body);
  });
}

/**
 * `clients` concurrent callers, each sending its next request as soon as its previous one
 * answered (closed loop: what "16 concurrent clients" means), for `seconds` or until `count`
 * calls in all. Each call's latency counts from when that client sent it.
 */
export async function closedLoop(call: () => Promise<Sample>, clients: number, limit: { seconds?: number; count?: number }): Promise<{ samples: Sample[]; seconds: number }> {
  const samples: Sample[] = [];
  const started = performance.now();
  const until = limit.seconds !== undefined ? started + limit.seconds * 1000 : Infinity;
  let issued = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until && (limit.count === undefined || issued < limit.count)) {
        issued++;
        samples.push(await call());
      }
    }),
  );
  return { samples, seconds: (performance.now() - started) / 1000 };
}

/** A phase's latencies and throughput. */
export interface PhaseFigures {
  calls: number;
  errors: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
}

export function figuresOf(samples: Array<{ ms: number; ok: boolean }>, seconds: number): PhaseFigures {
  const ms = samples.filter((s) => s.ok).map((s) => s.ms).sort((a, b) => a - b);
  return {
    calls: samples.length,
    errors: samples.filter((s) => !s.ok).length,
    perSecond: round2(ms.length / seconds),
    p50: round2(percentile(ms, 50)),
    p99: round2(percentile(ms, 99)),
    max: round2(ms.at(-1) ?? Number.NaN),
  };
}

/** The `message` of a JSON error answer, else the text. */
function messageOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message.slice(0, 200);
  } catch {
    // not JSON (or cut at 300 characters): the text itself
  }
  return text.slice(0, 200);
}

/** Why the failed calls of a phase failed, counted by status and message (or by the reason there was no answer). */
export function errorsOf(samples: Sample[]): string {
  const counts = new Map<string, number>();
  for (const s of samples.filter((x) => !x.ok)) {
    const key = s.status !== undefined ? `HTTP ${s.status}${s.failure ? ` "${s.failure}"` : ''}` : (s.failure ?? 'no answer');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, n]) => `${n}x ${key}`).join(', ');
}

/** CPU seconds of each named process, and of the whole machine (busy and total, from /proc/stat). */
export interface CpuSnapshot {
  processes: Map<string, number>;
  machineBusy: number;
  machineTotal: number;
}

export function cpuSnapshot(pids: Map<string, number>): CpuSnapshot {
  const processes = new Map<string, number>();
  for (const [name, pid] of pids) processes.set(name, cpuSeconds(pid));
  const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((sum, n) => sum + n, 0);
  // idle + iowait are not busy; steal is time the machine did not get.
  return { processes, machineBusy: (total - fields[3] - fields[4] - (fields[7] ?? 0)) / 100, machineTotal: total / 100 };
}

/** Per process: ms of CPU per unit of work (run, step, create) and % of a core over the phase; the machine's busy %. */
export function cpuUse(before: CpuSnapshot, after: CpuSnapshot, units: number, seconds: number): { perUnitMs: Record<string, number>; corePercent: Record<string, number>; machineBusyPercent: number } {
  const perUnitMs: Record<string, number> = {};
  const corePercent: Record<string, number> = {};
  for (const [name, cpu] of after.processes) {
    const used = cpu - (before.processes.get(name) ?? 0);
    perUnitMs[name] = units > 0 ? round2((used * 1000) / units) : Number.NaN;
    corePercent[name] = Math.round((used / seconds) * 100);
  }
  const total = after.machineTotal - before.machineTotal;
  return { perUnitMs, corePercent, machineBusyPercent: total > 0 ? Math.round(((after.machineBusy - before.machineBusy) / total) * 100) : Number.NaN };
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** The machine's 1-minute load average now (2 cores: above 2, work was waiting for a core). */
export function loadAverage(): number {
  return round2(os.loadavg()[0]);
}
