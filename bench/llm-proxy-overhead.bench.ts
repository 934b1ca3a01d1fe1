import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JwtAuthority, loadDevelopmentSecrets } from '@kastra/auth';
import { SERVICE_NODE_FLAGS } from '@kastra/config';
import { startMockOpenAIServer } from '@kastra/llm/testing';
import { createTestDatabase, deleteTestStreams, freePort, startServiceProcess, testNatsPrefix, type ServiceProcess } from '@kastra/testing';
import { startBareForwarder } from './support/bare-forwarder';
import { row, runAsScript, type BenchReport } from './support/bench-report';
import { cpuSeconds, openLoop, rssMiB, sequential, statsOf, withStealPercent, type SampleStats } from './support/http-load';
import { cleanUpOnStop } from './support/clean-up-on-stop';
import { runtimeStatsOf, type RuntimeStats } from './support/runtime-stats';

/**
 * The llm-proxy's added latency: the same chat request sent straight to a mock OpenAI upstream,
 * through a bare node:http forwarder (the floor of any Node proxy on this machine), and through
 * the real llm-proxy service (from dist/, as `npm start` runs it: JWT auth, registry resolution,
 * limits, retries/breaker bookkeeping, usage events, metrics, with two models created through
 * its admin API), in the same run. Four processes: this load generator, the mock upstreams, the
 * forwarder and the proxy (whose CPU, memory, event-loop delay and GC pauses are measured).
 * Every path is measured back to back in each of several rounds; the rows are medians over the
 * rounds, so one noisy moment of a shared machine does not decide the result.
 *
 * Diagnosis (none changes what is measured): BENCH_LLM_SAMPLES_DIR=<dir> writes every load-phase
 * request (send time, latency, self-reported overhead) per path and round; BENCH_GC_TIMELINE_FILE
 * makes the proxy log each GC pause (time, length, kind, old-generation size) so slow requests
 * can be lined up with GCs; BENCH_HEAP_SAMPLING_DIR writes a sampling heap profile per phase of
 * what survived young-generation GCs; BENCH_LLM_CPU_PROF a CPU profile per phase;
 * BENCH_LLM_PROXY_LOG the tail of the proxy's output.
 */
const SEQUENTIAL = Number(process.env.BENCH_LLM_SEQUENTIAL ?? 500);
const RATE = Number(process.env.BENCH_LLM_RATE ?? 500);
const LOAD_SECONDS = Number(process.env.BENCH_LLM_LOAD_SECONDS ?? 30);
/** Each round measures every path back to back; the report gives medians over the rounds. */
const ROUNDS = Number(process.env.BENCH_LLM_ROUNDS ?? 3);
/** Requests per path before measuring: enough for V8 to have optimized the hot code. */
const WARMUP = Number(process.env.BENCH_LLM_WARMUP ?? 1000);
const UPSTREAM_DELAY_MS = 200;
const BENCH_KEY = 'sk-bench-not-a-real-key-0000000000';
const BODY = (model: string) => JSON.stringify({ model, messages: [{ role: 'user', content: 'How long is a piece of string?' }], max_tokens: 64 });

/** Child role: the mock upstreams (one instant, one answering in 200 ms); prints their URLs. */
async function serveMocks(): Promise<void> {
  const fast = await startMockOpenAIServer({ record: false });
  const slow = await startMockOpenAIServer({ record: false, delayMs: UPSTREAM_DELAY_MS });
  process.stdout.write(`${JSON.stringify({ fast: fast.baseUrl, slow: slow.baseUrl })}\n`);
}

/** Child role: bare forwarders to the instant and the 200 ms mock; prints their URLs. */
async function serveForwarders(): Promise<void> {
  const [fastPort, slowPort] = [await freePort(), await freePort()];
  await startBareForwarder(process.env.BENCH_FAST_URL!, fastPort);
  await startBareForwarder(process.env.BENCH_SLOW_URL!, slowPort);
  process.stdout.write(`${JSON.stringify({ fast: `http://127.0.0.1:${fastPort}/`, slow: `http://127.0.0.1:${slowPort}/` })}\n`);
}

function startChild(role: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; firstLine: string }> {
  const child = spawn(process.execPath, [...process.execArgv, __filename], { env: { ...process.env, ...env, BENCH_LLM_ROLE: role, LOG_LEVEL: 'error' }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const newline = buffer.indexOf('\n');
      if (newline < 0) return;
      child.stdout!.removeAllListeners('data');
      resolve({ child, firstLine: buffer.slice(0, newline) });
    });
    child.once('exit', (code) => reject(new Error(`${role} exited (${code}) before it was ready`)));
  });
}

/** One round's figures: each path measured back to back, so they share the machine's state. */
interface Round {
  seq: { direct: SampleStats; forwarder: SampleStats; proxy: SampleStats; proxyCpuMsPerRequest: number; forwarderCpuMsPerRequest: number };
  load: { direct: SampleStats; forwarder: SampleStats; proxy: SampleStats; proxyCpuPercent: number; proxyPeakRssMiB: number; runtime: RuntimeStats; steal: { direct: number; forwarder: number; proxy: number } };
}

export async function run(): Promise<BenchReport> {
  const database = await createTestDatabase('benchllm');
  const prefix = testNatsPrefix('benchllm');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-bench-llm-'));
  const children: ChildProcess[] = [];
  const services: ServiceProcess[] = [];
  const cleanUp = cleanUpOnStop(async () => {
    // A proxy that died mid-run leaves its reason in its log: show the end of it.
    for (const service of services) if (!isAlive(service.pid)) console.error(`llm-proxy exited during the bench; its last output:\n${service.logs().slice(-4000)}`);
    // BENCH_LLM_PROXY_LOG=<file>: the tail of the proxy's output (e.g. --trace-gc-nvp lines), for diagnosis.
    if (process.env.BENCH_LLM_PROXY_LOG) for (const service of services) fs.writeFileSync(process.env.BENCH_LLM_PROXY_LOG, service.logs());
    for (const service of services) await service.stop();
    for (const child of children) child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await database.drop().catch(() => undefined);
    await deleteTestStreams(prefix).catch(() => undefined);
    fs.rmSync(home, { recursive: true, force: true });
  });
  try {
    const mocks = await startChild('mocks', {});
    children.push(mocks.child);
    const urls = JSON.parse(mocks.firstLine) as { fast: string; slow: string };
    const forwarder = await startChild('forwarder', { BENCH_FAST_URL: `${urls.fast}/chat/completions`, BENCH_SLOW_URL: `${urls.slow}/chat/completions` });
    children.push(forwarder.child);
    const forwarded = JSON.parse(forwarder.firstLine) as { fast: string; slow: string };
    // The real llm-proxy service from dist/ (with its node flags), two models in its registry.
    const statsFile = path.join(home, 'runtime-stats.json');
    const proxy = await startServiceProcess('llm-proxy', await freePort(), {
      ...process.env,
      DATABASE_URL: database.url,
      KASTRA_NATS_PREFIX: prefix,
      KASTRA_HOME: home,
      BENCH_RUNTIME_STATS_FILE: statsFile,
      // BENCH_LLM_CPU_PROF=<dir>: the proxy writes a V8 CPU profile of each phase there (runtime-stats).
      ...(process.env.BENCH_LLM_CPU_PROF ? { BENCH_CPU_PROFILE_DIR: process.env.BENCH_LLM_CPU_PROF } : {}),
      NODE_OPTIONS: [process.env.NODE_OPTIONS, `--require=${path.join(__dirname, 'support', `runtime-stats${path.extname(__filename)}`)}`].filter(Boolean).join(' '),
    });
    services.push(proxy);
    const pid = proxy.pid;
    const proxyUrl = `${proxy.url}/v1/chat/completions`;
    const jwt = new JwtAuthority(loadDevelopmentSecrets(home).jwtSecret);
    await registerModels(proxy.url, jwt.issue({ sub: 'bench-admin', role: 'admin' }), urls);
    const auth = { authorization: `Bearer ${jwt.issue({ sub: 'bench', role: 'user' })}` };
    const direct = { authorization: `Bearer ${BENCH_KEY}` };
    const paths = {
      direct: (speed: 'fast' | 'slow') => ({ url: `${urls[speed]}/chat/completions`, body: BODY('gpt-4o-mini'), headers: direct }),
      forwarder: (speed: 'fast' | 'slow') => ({ url: forwarded[speed], body: BODY('gpt-4o-mini'), headers: direct }),
      proxy: (speed: 'fast' | 'slow') => ({ url: proxyUrl, body: BODY(speed), headers: auth }),
    };

    // Warm up every path (JIT, keep-alive connections, the proxy's resolution cache), the load
    // phases' too: a second at the full rate opens the ~100 connections they keep busy.
    for (const make of Object.values(paths)) {
      const fast = make('fast');
      await sequential(fast.url, fast.body, fast.headers, WARMUP);
      const slow = make('slow');
      await openLoop(slow.url, slow.body, slow.headers, RATE, 1);
    }
    const rounds: Round[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const seqOf = async (name: keyof typeof paths) => {
        const { url, body, headers } = paths[name]('fast');
        return statsOf(await sequential(url, body, headers, SEQUENTIAL));
      };
      /** The sequential phase of a path, with the CPU its own process spent per request. */
      const seqWithCpuOf = async (name: keyof typeof paths, processId: number) => {
        const before = cpuSeconds(processId);
        const stats = await seqOf(name);
        return { stats, cpuMsPerRequest: ((cpuSeconds(processId) - before) * 1000) / SEQUENTIAL };
      };
      const loadOf = async (name: keyof typeof paths) => {
        const { url, body, headers } = paths[name]('slow');
        return withStealPercent(async () => {
          const samples = await openLoop(url, body, headers, RATE, LOAD_SECONDS);
          if (process.env.BENCH_LLM_SAMPLES_DIR) fs.writeFileSync(path.join(process.env.BENCH_LLM_SAMPLES_DIR, `${name}-${round + 1}.json`), JSON.stringify(samples.map((sample) => ({ ...sample, at: performance.timeOrigin + sample.at }))));
          return statsOf(samples);
        });
      };
      const seqDirect = await seqOf('direct');
      const { stats: seqForwarder, cpuMsPerRequest: forwarderCpuMsPerRequest } = await seqWithCpuOf('forwarder', forwarder.child.pid!);
      const { stats: seqProxy, cpuMsPerRequest: proxyCpuMsPerRequest } = await seqWithCpuOf('proxy', pid);
      // Only to close the sequential phase's CPU profile (BENCH_LLM_CPU_PROF); these stats are not used.
      await runtimeStatsOf(pid, statsFile);

      const loadDirect = await loadOf('direct');
      const loadForwarder = await loadOf('forwarder');
      await runtimeStatsOf(pid, statsFile);
      const loadCpuBefore = cpuSeconds(pid);
      let peakRss = rssMiB(pid);
      const sampler = setInterval(() => isAlive(pid) && (peakRss = Math.max(peakRss, rssMiB(pid))), 500);
      const loadStarted = performance.now();
      const loadProxy = await loadOf('proxy');
      clearInterval(sampler);
      const proxyCpuPercent = ((cpuSeconds(pid) - loadCpuBefore) / ((performance.now() - loadStarted) / 1000)) * 100;
      const runtime = await runtimeStatsOf(pid, statsFile);
      rounds.push({
        seq: { direct: seqDirect, forwarder: seqForwarder, proxy: seqProxy, proxyCpuMsPerRequest, forwarderCpuMsPerRequest },
        load: {
          direct: loadDirect.value,
          forwarder: loadForwarder.value,
          proxy: loadProxy.value,
          proxyCpuPercent,
          proxyPeakRssMiB: peakRss,
          runtime,
          steal: { direct: loadDirect.stealPercent, forwarder: loadForwarder.stealPercent, proxy: loadProxy.stealPercent },
        },
      });
      const last = rounds[rounds.length - 1];
      console.log(
        `   round ${round + 1}/${ROUNDS}: sequential p50 added ${round3(last.seq.proxy.p50 - last.seq.direct.p50)} ms (bare forwarder ${round3(last.seq.forwarder.p50 - last.seq.direct.p50)}); ` +
          `${RATE} rps p99 added ${round3(last.load.proxy.p99 - last.load.direct.p99)} ms (bare forwarder ${round3(last.load.forwarder.p99 - last.load.direct.p99)}), ${last.load.proxy.errors} errors, steal ${round3(last.load.steal.proxy)} %`,
      );
    }
    return report(rounds);
  } finally {
    await cleanUp();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The two models the bench calls, created through the admin API as a user would: `fast` and `slow`. */
async function registerModels(proxyUrl: string, adminToken: string, upstreams: { fast: string; slow: string }): Promise<void> {
  for (const [modelId, baseUrl] of Object.entries(upstreams)) {
    const response = await fetch(`${proxyUrl}/api/v1/llm-models`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ name: modelId, model_id: modelId, provider: 'openai', type: 'chat', base_url: baseUrl, auth_type: 'api_key', api_keys: [{ key: BENCH_KEY, status: 'enabled' }] }),
    });
    if (response.status !== 201) throw new Error(`creating model ${modelId}: ${response.status} ${await response.text()}`);
  }
}

/** Rows of medians over the rounds; each round's added latency is paired within the round. */
function report(rounds: Round[]): BenchReport {
  const med = (pick: (r: Round) => number) => median(rounds.map(pick));
  const each = (pick: (r: Round) => number) => rounds.map((r) => round3(pick(r))).join(' / ');
  const addedSeqP50 = med((r) => r.seq.proxy.p50 - r.seq.direct.p50);
  const addedLoadP99 = med((r) => r.load.proxy.p99 - r.load.direct.p99);
  const errors = rounds.reduce((sum, r) => sum + r.load.proxy.errors, 0);
  const requests = rounds.length * RATE * LOAD_SECONDS;
  const flags = SERVICE_NODE_FLAGS['llm-proxy'].join(' ') || 'none';
  return {
    name: 'llm-proxy-overhead',
    description: `chat completion through llm-proxy vs straight to the same mock upstream (ms; medians of ${rounds.length} rounds)`,
    rows: [
      row('sequential p50', med((r) => r.seq.proxy.p50), 'ms', 'direct p50', med((r) => r.seq.direct.p50), {
        addedMs: round3(addedSeqP50),
        addedMsPerRound: each((r) => r.seq.proxy.p50 - r.seq.direct.p50),
        bareForwarderAddedMs: round3(med((r) => r.seq.forwarder.p50 - r.seq.direct.p50)),
        bareForwarderAddedMsPerRound: each((r) => r.seq.forwarder.p50 - r.seq.direct.p50),
        selfReportedOverheadP50: round3(med((r) => r.seq.proxy.overheadP50)),
        proxyCpuMsPerRequest: round3(med((r) => r.seq.proxyCpuMsPerRequest)),
        bareForwarderCpuMsPerRequest: round3(med((r) => r.seq.forwarderCpuMsPerRequest)),
        requestsPerRound: SEQUENTIAL,
      }),
      row('sequential p99', med((r) => r.seq.proxy.p99), 'ms', 'direct p99', med((r) => r.seq.direct.p99), {
        addedMs: round3(med((r) => r.seq.proxy.p99 - r.seq.direct.p99)),
        bareForwarderAddedMs: round3(med((r) => r.seq.forwarder.p99 - r.seq.direct.p99)),
        selfReportedOverheadP99: round3(med((r) => r.seq.proxy.overheadP99)),
      }),
      row(`${RATE} rps p50 (200 ms upstream)`, med((r) => r.load.proxy.p50), 'ms', 'direct p50', med((r) => r.load.direct.p50), {
        addedMs: round3(med((r) => r.load.proxy.p50 - r.load.direct.p50)),
        bareForwarderAddedMs: round3(med((r) => r.load.forwarder.p50 - r.load.direct.p50)),
        errors,
        errorsByStatus: JSON.stringify(rounds.map((r) => r.load.proxy.errorsByStatus)),
        directErrors: rounds.reduce((sum, r) => sum + r.load.direct.errors, 0),
        requests,
      }),
      row(`${RATE} rps p99 (200 ms upstream)`, med((r) => r.load.proxy.p99), 'ms', 'direct p99', med((r) => r.load.direct.p99), {
        addedMs: round3(addedLoadP99),
        addedMsPerRound: each((r) => r.load.proxy.p99 - r.load.direct.p99),
        bareForwarderAddedMs: round3(med((r) => r.load.forwarder.p99 - r.load.direct.p99)),
        bareForwarderAddedMsPerRound: each((r) => r.load.forwarder.p99 - r.load.direct.p99),
        selfReportedOverheadP99: round3(med((r) => r.load.proxy.overheadP99)),
        stealPercentPerRound: each((r) => r.load.steal.proxy),
        proxyCpuPercent: round3(med((r) => r.load.proxyCpuPercent)),
        proxyPeakRssMiB: round3(Math.max(...rounds.map((r) => r.load.proxyPeakRssMiB))),
        proxyLoopDelayP99Ms: round3(med((r) => r.load.runtime.loopDelayP99Ms)),
        proxyLoopDelayMaxMs: round3(Math.max(...rounds.map((r) => r.load.runtime.loopDelayMaxMs))),
        proxyGcPausesPerRound: each((r) => r.load.runtime.gcPauses),
        proxyMajorGcsPerRound: each((r) => r.load.runtime.majorGcs),
        proxyGcPauseTotalMsPerRound: each((r) => r.load.runtime.gcPauseTotalMs),
        proxyGcPauseMaxMs: round3(Math.max(...rounds.map((r) => r.load.runtime.gcPauseMaxMs))),
        proxyNodeFlags: flags,
        secondsPerRound: LOAD_SECONDS,
      }),
    ],
    notes: [
      `targets (medians of ${rounds.length} rounds): sequential p50 added < 1 ms -> ${round3(addedSeqP50)} ms ${addedSeqP50 < 1 ? 'MET' : 'MISSED'}; ` +
        `p99 added under load < 5 ms -> ${round3(addedLoadP99)} ms ${addedLoadP99 < 5 ? 'MET' : 'MISSED'}; errors -> ${errors} of ${requests} ${errors === 0 ? 'MET' : 'MISSED'}`,
      `floor on this machine (bare node:http forwarder, same rounds): sequential p50 added ${round3(med((r) => r.seq.forwarder.p50 - r.seq.direct.p50))} ms, ${RATE} rps p99 added ${round3(med((r) => r.load.forwarder.p99 - r.load.direct.p99))} ms`,
      `proxy under load: ${round3(med((r) => r.load.proxyCpuPercent))} % of a core, event-loop delay p99 ${round3(med((r) => r.load.runtime.loopDelayP99Ms))} ms, node flags: ${flags}; ` +
        `load generator, mocks, forwarder and proxy share ${os.cpus().length} cores; hypervisor steal during the proxy phases: ${each((r) => r.load.steal.proxy)} %`,
    ],
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

if (process.env.BENCH_LLM_ROLE === 'mocks') void serveMocks();
else if (process.env.BENCH_LLM_ROLE === 'forwarder') void serveForwarders();
else if (require.main === module) runAsScript(run);
