import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { NotFoundError } from '@kastra/api';
import { AuthModule, JwtAuthority, loadDevelopmentSecrets } from '@kastra/auth';
import { EventStoreModule } from '@kastra/event-store';
import { startMockOpenAIServer } from '@kastra/llm/testing';
import { MessagingModule } from '@kastra/messaging';
import { createTestDatabase, deleteTestStreams, freePort, testNatsPrefix } from '@kastra/testing';
import { MODEL_RESOLVER, type ModelResolver, type ResolvedModel } from '../apps/llm-proxy/src/calls/model-resolver';
import { loadProxySettings } from '../apps/llm-proxy/src/calls/proxy-settings';
import { LlmCallsModule } from '../apps/llm-proxy/src/llm-calls.module';
import { percentile, row, runAsScript, type BenchReport } from './support/bench-report';

/**
 * The llm-proxy's added latency: the same chat request sent straight to a mock OpenAI upstream
 * and through the proxy's call path (JWT auth, model resolution, limits, retries/breaker
 * bookkeeping, usage event, metrics), in the same run. Three processes: this load generator,
 * the mock upstreams, and the proxy (whose CPU and memory are measured).
 */
const SEQUENTIAL = Number(process.env.BENCH_LLM_SEQUENTIAL ?? 500);
const RATE = Number(process.env.BENCH_LLM_RATE ?? 500);
const LOAD_SECONDS = Number(process.env.BENCH_LLM_LOAD_SECONDS ?? 30);
const UPSTREAM_DELAY_MS = 200;
const BENCH_KEY = 'sk-bench-not-a-real-key-0000000000';
const BODY = (model: string) => JSON.stringify({ model, messages: [{ role: 'user', content: 'How long is a piece of string?' }], max_tokens: 64 });

/** Child role: the mock upstreams (one instant, one answering in 200 ms); prints their URLs. */
async function serveMocks(): Promise<void> {
  const fast = await startMockOpenAIServer({ record: false });
  const slow = await startMockOpenAIServer({ record: false, delayMs: UPSTREAM_DELAY_MS });
  process.stdout.write(`${JSON.stringify({ fast: fast.baseUrl, slow: slow.baseUrl })}\n`);
}

/** Child role: the proxy's call path on its own port, resolving two fixed models. */
async function serveProxy(): Promise<void> {
  const env = process.env;
  const model = (name: string, baseUrl: string): ResolvedModel => ({
    id: name,
    name,
    provider: 'openai',
    modelId: 'gpt-4o-mini',
    baseUrl,
    options: {},
    supportsVision: false,
    limits: {},
    fallbacks: [],
    keyPool: { size: 1, next: () => ({ keyId: 'bench-key', apiKey: BENCH_KEY }), markInvalid: async () => undefined, coolDown: () => undefined },
  });
  const models = new Map([['fast', model('fast', env.BENCH_FAST_URL!)], ['slow', model('slow', env.BENCH_SLOW_URL!)]]);
  const resolver: ModelResolver = {
    resolve: async (handle) => {
      const found = models.get(handle);
      if (!found) throw new NotFoundError('llm-models', handle);
      return found;
    },
    list: async () => [...models.keys()].map((id) => ({ id, provider: 'openai', type: 'chat' })),
  };
  @Module({
    imports: [
      EventStoreModule.forRoot({ databaseUrl: env.DATABASE_URL }),
      MessagingModule.forRoot({ prefix: env.KASTRA_NATS_PREFIX }),
      AuthModule.forRoot(env.KASTRA_HOME!),
      LlmCallsModule.forRoot({ resolver: { provide: MODEL_RESOLVER, useValue: resolver }, settings: loadProxySettings(env) }),
    ],
  })
  class BenchProxyModule {}
  const app = await NestFactory.create<NestExpressApplication>(BenchProxyModule, { logger: false });
  app.useBodyParser('json', { limit: '20mb' });
  await app.listen(Number(env.PORT), '127.0.0.1');
  // A normal exit, so a --cpu-prof profile gets written.
  process.once('SIGTERM', () => process.exit(0));
  process.stdout.write('ready\n');
}

function startChild(role: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; firstLine: string }> {
  // BENCH_LLM_CPU_PROF=<dir>: the proxy writes a V8 CPU profile there when the bench ends.
  const profile = role === 'proxy' && process.env.BENCH_LLM_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_LLM_CPU_PROF}`] : [];
  // BENCH_LLM_PROXY_NODE_ARGS: V8/Node flags for the proxy process only (e.g. --max-semi-space-size=32).
  if (role === 'proxy' && process.env.BENCH_LLM_PROXY_NODE_ARGS) profile.push(...process.env.BENCH_LLM_PROXY_NODE_ARGS.split(/\s+/).filter(Boolean));
  const child = spawn(process.execPath, [...process.execArgv, ...profile, __filename], { env: { ...process.env, ...env, BENCH_LLM_ROLE: role, LOG_LEVEL: 'error' }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const newline = buffer.indexOf('\n');
      if (newline >= 0) resolve({ child, firstLine: buffer.slice(0, newline) });
    });
    child.once('exit', (code) => reject(new Error(`${role} exited (${code}) before it was ready`)));
  });
}

/** utime + stime of a process, in seconds (Linux /proc). */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // Clock ticks: 100 per second on Linux (USER_HZ).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/**
 * The load generator's client: node:http over kept-alive sockets, much cheaper per request than
 * fetch, so the generator does not starve the proxy on a 2-core machine. Both the direct and
 * the proxied runs use it.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 });

function timedPost(url: string, body: string, headers: Record<string, string>): Promise<{ ms: number; ok: boolean; status?: number; overhead?: number }> {
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
          resolve({ ms: performance.now() - started, ok, status: response.statusCode, ...(typeof overhead === 'string' ? { overhead: Number(overhead) } : {}) });
        });
        response.once('error', () => resolve({ ms: performance.now() - started, ok: false }));
      },
    );
    request.once('timeout', () => request.destroy(new Error('timeout')));
    request.once('error', () => resolve({ ms: performance.now() - started, ok: false }));
    request.end(body);
  });
}

async function sequential(url: string, body: string, headers: Record<string, string>, count: number) {
  const samples: Array<{ ms: number; ok: boolean; status?: number; overhead?: number }> = [];
  for (let i = 0; i < count; i++) samples.push(await timedPost(url, body, headers));
  return samples;
}

/** Open loop: one request every 1000/RATE ms for `seconds`, whatever the answers do. */
async function load(url: string, body: string, headers: Record<string, string>, seconds: number) {
  const pending: Array<Promise<{ ms: number; ok: boolean; status?: number; overhead?: number }>> = [];
  const interval = 1000 / RATE;
  const started = performance.now();
  for (let i = 0; i < RATE * seconds; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(timedPost(url, body, headers));
  }
  return Promise.all(pending);
}

function stats(samples: Array<{ ms: number; ok: boolean; status?: number; overhead?: number }>) {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const overhead = samples.filter((s) => s.overhead !== undefined).map((s) => s.overhead!).sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99), errors: samples.filter((s) => !s.ok).length, errorsByStatus: countBy(samples.filter((s) => !s.ok).map((s) => String(s.status ?? 'no answer'))), overheadP50: percentile(overhead, 50), overheadP99: percentile(overhead, 99) };
}

export async function run(): Promise<BenchReport> {
  const database = await createTestDatabase('benchllm');
  const prefix = testNatsPrefix('benchllm');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-bench-llm-'));
  const children: ChildProcess[] = [];
  try {
    const mocks = await startChild('mocks', {});
    children.push(mocks.child);
    const urls = JSON.parse(mocks.firstLine) as { fast: string; slow: string };
    const port = await freePort();
    const proxy = await startChild('proxy', { DATABASE_URL: database.url, KASTRA_NATS_PREFIX: prefix, KASTRA_HOME: home, PORT: String(port), BENCH_FAST_URL: urls.fast, BENCH_SLOW_URL: urls.slow });
    children.push(proxy.child);
    const proxyUrl = `http://127.0.0.1:${port}/v1/chat/completions`;
    const auth = { authorization: `Bearer ${new JwtAuthority(loadDevelopmentSecrets(home).jwtSecret).issue({ sub: 'bench', role: 'user' })}` };
    const direct = { authorization: `Bearer ${BENCH_KEY}` };

    // Warm up both paths (JIT, keep-alive connections, the proxy's resolution cache).
    await sequential(`${urls.fast}/chat/completions`, BODY('gpt-4o-mini'), direct, 100);
    await sequential(proxyUrl, BODY('fast'), auth, 100);
    const seqDirect = stats(await sequential(`${urls.fast}/chat/completions`, BODY('gpt-4o-mini'), direct, SEQUENTIAL));
    const seqCpuBefore = cpuSeconds(proxy.child.pid!);
    const seqProxy = stats(await sequential(proxyUrl, BODY('fast'), auth, SEQUENTIAL));
    const seqCpuMsPerRequest = ((cpuSeconds(proxy.child.pid!) - seqCpuBefore) * 1000) / SEQUENTIAL;

    const loadDirect = stats(await load(`${urls.slow}/chat/completions`, BODY('gpt-4o-mini'), direct, LOAD_SECONDS));
    const pid = proxy.child.pid!;
    const cpuBefore = cpuSeconds(pid);
    let peakRss = rssMiB(pid);
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMiB(pid))), 500);
    const loadStarted = performance.now();
    const loadProxy = stats(await load(proxyUrl, BODY('slow'), auth, LOAD_SECONDS));
    clearInterval(sampler);
    const cpuPercent = ((cpuSeconds(pid) - cpuBefore) / ((performance.now() - loadStarted) / 1000)) * 100;

    const addedSeqP50 = seqProxy.p50 - seqDirect.p50;
    const addedLoadP99 = loadProxy.p99 - loadDirect.p99;
    return {
      name: 'llm-proxy-overhead',
      description: 'chat completion through llm-proxy vs straight to the same mock upstream (ms)',
      rows: [
        row('sequential p50', seqProxy.p50, 'ms', 'direct p50', seqDirect.p50, { addedMs: round(addedSeqP50), selfReportedOverheadP50: round(seqProxy.overheadP50), proxyCpuMsPerRequest: round(seqCpuMsPerRequest), requests: SEQUENTIAL }),
        row('sequential p99', seqProxy.p99, 'ms', 'direct p99', seqDirect.p99, { addedMs: round(seqProxy.p99 - seqDirect.p99), selfReportedOverheadP99: round(seqProxy.overheadP99) }),
        row(`${RATE} rps p50 (200 ms upstream)`, loadProxy.p50, 'ms', 'direct p50', loadDirect.p50, { addedMs: round(loadProxy.p50 - loadDirect.p50), errors: loadProxy.errors, errorsByStatus: JSON.stringify(loadProxy.errorsByStatus), directErrors: loadDirect.errors }),
        row(`${RATE} rps p99 (200 ms upstream)`, loadProxy.p99, 'ms', 'direct p99', loadDirect.p99, {
          addedMs: round(addedLoadP99),
          selfReportedOverheadP99: round(loadProxy.overheadP99),
          proxyCpuPercent: round(cpuPercent),
          proxyPeakRssMiB: round(peakRss),
          seconds: LOAD_SECONDS,
        }),
      ],
      notes: [
        `targets: sequential p50 added < 1 ms -> ${round(addedSeqP50)} ms ${addedSeqP50 < 1 ? 'MET' : 'MISSED'}; p99 added under load < 5 ms -> ${round(addedLoadP99)} ms ${addedLoadP99 < 5 ? 'MET' : 'MISSED'}; errors -> ${loadProxy.errors} ${loadProxy.errors === 0 ? 'MET' : 'MISSED'}`,
        `proxy process under load: ${round(cpuPercent)} % CPU (of one core), peak RSS ${round(peakRss)} MiB; load generator, mocks and proxy share ${os.cpus().length} cores`,
      ],
    };
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await database.drop().catch(() => undefined);
    await deleteTestStreams(prefix).catch(() => undefined);
    fs.rmSync(home, { recursive: true, force: true });
  }
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

if (process.env.BENCH_LLM_ROLE === 'mocks') void serveMocks();
else if (process.env.BENCH_LLM_ROLE === 'proxy') void serveProxy();
else if (require.main === module) runAsScript(run);
