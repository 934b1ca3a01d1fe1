import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JwtAuthority, loadDevelopmentSecrets } from '@kastra/auth';
import { SERVICE_NODE_FLAGS } from '@kastra/config';
import { startMockOpenAIServer } from '@kastra/llm/testing';
import { createTestDatabase, deleteTestStreams, freePort, startServiceProcess, testNatsPrefix, type ServiceProcess } from '@kastra/testing';
import { Redis } from 'ioredis';
import { startBareForwarder } from './support/bare-forwarder';
import { runAsScript, type BenchReport } from './support/bench-report';
import { chargedRequests } from './support/charged-requests';
import { cpuSeconds, openLoop, rssMiB, sequential, statsOf, withStealPercent, type Sample, type SampleStats } from './support/http-load';
import { cleanUpOnStop } from './support/clean-up-on-stop';
import { loadStats, overheadReport, PATH_LABEL, PATHS, round3, type PathName, type ProxyLoad, type Round } from './support/llm-proxy-overhead-report';
import { createModel, setUserLimits } from './support/proxy-admin';
import { runtimeStatsOf } from './support/runtime-stats';

/**
 * The llm-proxy's added latency: the same chat request sent straight to a mock OpenAI upstream,
 * through a bare node:http forwarder (the floor of any Node proxy on this machine), and through
 * the real llm-proxy service (from dist/, as `npm start` runs it: JWT auth, registry resolution,
 * retries/breaker bookkeeping, usage events, metrics) twice: **limits off** (a user without
 * limits calling models without limits: no Redis round trip) and **limits on** (a user with RPM
 * and TPM limits set through the admin API calling models with rpm_limit and tpm_limit: every
 * call reserves and settles in Redis; the limits are far above the load, and the bench checks in
 * Redis that every call was charged). Four processes: this load generator, the mock upstreams,
 * the forwarder and the proxy (whose CPU, memory, event-loop delay and GC pauses are measured).
 * Every path is measured back to back in each of several rounds; the rows are medians over the
 * rounds, so one noisy moment of a shared machine does not decide the result. Any error in any
 * phase, warm-up included, fails the run.
 *
 * Diagnosis (none changes what is measured): BENCH_LLM_SAMPLES_DIR=<dir> writes every load-phase
 * request (scheduled and sent times, latency from the schedule, self-reported overhead) per path and round; BENCH_GC_TIMELINE_FILE
 * makes the proxy log each GC pause (time, length, kind, old-generation size) so slow requests
 * can be lined up with GCs; BENCH_HEAP_SAMPLING_DIR writes a sampling heap profile per phase of
 * what survived young-generation GCs; BENCH_LLM_CPU_PROF a CPU profile per phase;
 * BENCH_LLM_PROXY_LOG the tail of the proxy's output.
 */
const SEQUENTIAL = Number(process.env.BENCH_LLM_SEQUENTIAL ?? 500);
const RATE = Number(process.env.BENCH_LLM_RATE ?? 500);
/** 20 s: four paths are loaded each round; 10 000 calls a phase still put 100 above the p99. */
const LOAD_SECONDS = Number(process.env.BENCH_LLM_LOAD_SECONDS ?? 20);
/** Each round measures every path back to back; the report gives medians over the rounds. */
const ROUNDS = Number(process.env.BENCH_LLM_ROUNDS ?? 3);
/** Requests per path before measuring: enough for V8 to have optimized the hot code. */
const WARMUP = Number(process.env.BENCH_LLM_WARMUP ?? 1000);
const UPSTREAM_DELAY_MS = 200;
const BENCH_KEY = 'sk-bench-not-a-real-key-0000000000';
/** Per minute; the load is 500 rps (~30 000 calls and ~2.5 M reserved tokens a minute): never reached. */
const LIMITS = { userRpm: 10_000_000, userTpm: 2_000_000_000, modelRpm: 10_000_000, modelTpm: 2_000_000_000 };
const LIMITED_USER = 'bench-limited';
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

export async function run(): Promise<BenchReport> {
  const database = await createTestDatabase('benchllm');
  const prefix = testNatsPrefix('benchllm');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-bench-llm-'));
  const children: ChildProcess[] = [];
  const services: ServiceProcess[] = [];
  // The proxy's rate-limit windows, read to check that every limits-on call was charged.
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  const cleanUp = cleanUpOnStop(async () => {
    // A proxy that died mid-run leaves its reason in its log: show the end of it.
    for (const service of services) if (!isAlive(service.pid)) console.error(`llm-proxy exited during the bench; its last output:\n${service.logs().slice(-4000)}`);
    // BENCH_LLM_PROXY_LOG=<file>: the tail of the proxy's output (e.g. --trace-gc-nvp lines), for diagnosis.
    if (process.env.BENCH_LLM_PROXY_LOG) for (const service of services) fs.writeFileSync(process.env.BENCH_LLM_PROXY_LOG, service.logs());
    for (const service of services) await service.stop();
    for (const child of children) child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    redis.disconnect();
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
    // The real llm-proxy service from dist/ (with its node flags), four models in its registry.
    const statsFile = path.join(home, 'runtime-stats.json');
    const proxy = await startServiceProcess('llm-proxy', await freePort(), {
      ...process.env,
      DATABASE_URL: database.url,
      KASTRA_NATS_PREFIX: prefix,
      KASTRA_HOME: home,
      // No default user limits: the limits-off user has none at all.
      KASTRA_LLM_USER_RPM: '',
      KASTRA_LLM_USER_TPM: '',
      BENCH_RUNTIME_STATS_FILE: statsFile,
      // BENCH_LLM_CPU_PROF=<dir>: the proxy writes a V8 CPU profile of each phase there (runtime-stats).
      ...(process.env.BENCH_LLM_CPU_PROF ? { BENCH_CPU_PROFILE_DIR: process.env.BENCH_LLM_CPU_PROF } : {}),
      NODE_OPTIONS: [process.env.NODE_OPTIONS, `--require=${path.join(__dirname, 'support', `runtime-stats${path.extname(__filename)}`)}`].filter(Boolean).join(' '),
    });
    services.push(proxy);
    const pid = proxy.pid;
    const proxyUrl = `${proxy.url}/v1/chat/completions`;
    const jwt = new JwtAuthority(loadDevelopmentSecrets(home).jwtSecret);
    const adminToken = jwt.issue({ sub: 'bench-admin', role: 'admin' });
    // Limits off: models `fast`/`slow` without limits, user `bench` without limits of its own.
    // Limits on: `fast-limited`/`slow-limited` with rpm_limit and tpm_limit, user `bench-limited` with RPM and TPM.
    const modelIds: Record<string, string> = {};
    for (const speed of ['fast', 'slow'] as const) {
      modelIds[speed] = await createModel(proxy.url, adminToken, { name: speed, baseUrl: urls[speed], apiKey: BENCH_KEY });
      modelIds[`${speed}-limited`] = await createModel(proxy.url, adminToken, { name: `${speed}-limited`, baseUrl: urls[speed], apiKey: BENCH_KEY, rpmLimit: LIMITS.modelRpm, tpmLimit: LIMITS.modelTpm });
    }
    await setUserLimits(proxy.url, adminToken, LIMITED_USER, { rpm: LIMITS.userRpm, tpm: LIMITS.userTpm });
    const unlimited = { authorization: `Bearer ${jwt.issue({ sub: 'bench', role: 'user' })}` };
    const limited = { authorization: `Bearer ${jwt.issue({ sub: LIMITED_USER, role: 'user' })}` };
    const direct = { authorization: `Bearer ${BENCH_KEY}` };
    const paths: Record<PathName, (speed: 'fast' | 'slow') => { url: string; body: string; headers: Record<string, string> }> = {
      direct: (speed) => ({ url: `${urls[speed]}/chat/completions`, body: BODY('gpt-4o-mini'), headers: direct }),
      forwarder: (speed) => ({ url: forwarded[speed], body: BODY('gpt-4o-mini'), headers: direct }),
      proxy: (speed) => ({ url: proxyUrl, body: BODY(speed), headers: unlimited }),
      proxyLimits: (speed) => ({ url: proxyUrl, body: BODY(`${speed}-limited`), headers: limited }),
    };

    /** Limits on: every call of the phase was charged to the user's and the model's RPM window; limits off: nothing ever was. */
    const checkFailures: string[] = [];
    const limitChecks: string[] = [];
    const checkCharged = async (phase: string, speed: 'fast' | 'slow', calls: number) => {
      const user = await chargedRequests(redis, prefix, `user:${LIMITED_USER}`);
      const model = await chargedRequests(redis, prefix, `model:${modelIds[`${speed}-limited`]}`);
      const unlimitedUser = await chargedRequests(redis, prefix, 'user:bench');
      const expected = Math.min(calls, RATE * 60);
      limitChecks.push(`${phase}: ${calls} calls, user window ${user}, model window ${model}, limits-off user ${unlimitedUser}`);
      if (user < expected || model < expected) checkFailures.push(`${phase}: ${calls} limits-on calls but only ${Math.min(user, model)} charged in Redis: not every call checked the limits`);
      if (unlimitedUser !== 0) checkFailures.push(`${phase}: the limits-off user was charged ${unlimitedUser} requests`);
    };

    // Warm up every path (JIT, keep-alive connections, the proxy's resolution cache), the load
    // phases' too: a second at the full rate opens the ~100 connections they keep busy.
    const warmup = Object.fromEntries(PATHS.map((name) => [name, [] as SampleStats[]])) as Record<PathName, SampleStats[]>;
    for (const name of PATHS) {
      const fast = paths[name]('fast');
      warmup[name].push(statsOf(await sequential(fast.url, fast.body, fast.headers, WARMUP)));
      const slow = paths[name]('slow');
      warmup[name].push(statsOf(await openLoop(slow.url, slow.body, slow.headers, RATE, 1)));
    }
    await checkCharged('warm-up', 'slow', RATE);

    const rounds: Round[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      /** The sequential phase of a path, with the CPU its own process spent per request. */
      const seqOf = async (name: PathName, processId?: number) => {
        const { url, body, headers } = paths[name]('fast');
        const before = processId ? cpuSeconds(processId) : 0;
        const stats = statsOf(await sequential(url, body, headers, SEQUENTIAL));
        return { stats, cpuMsPerRequest: processId ? ((cpuSeconds(processId) - before) * 1000) / SEQUENTIAL : Number.NaN };
      };
      const loadOf = async (name: PathName) => {
        const { url, body, headers } = paths[name]('slow');
        return withStealPercent(async () => {
          const samples = await openLoop(url, body, headers, RATE, LOAD_SECONDS);
          if (process.env.BENCH_LLM_SAMPLES_DIR) writeSamples(process.env.BENCH_LLM_SAMPLES_DIR, `${name}-${round + 1}`, samples);
          return statsOf(samples);
        });
      };
      /** A proxy load phase with what the proxy process itself did meanwhile. */
      const proxyLoadOf = async (name: 'proxy' | 'proxyLimits'): Promise<ProxyLoad> => {
        await runtimeStatsOf(pid, statsFile);
        const cpuBefore = cpuSeconds(pid);
        let peakRss = rssMiB(pid);
        const sampler = setInterval(() => isAlive(pid) && (peakRss = Math.max(peakRss, rssMiB(pid))), 500);
        const started = performance.now();
        const load = await loadOf(name);
        clearInterval(sampler);
        const cpuPercent = ((cpuSeconds(pid) - cpuBefore) / ((performance.now() - started) / 1000)) * 100;
        const runtime = await runtimeStatsOf(pid, statsFile);
        if (name === 'proxyLimits') await checkCharged(`round ${round + 1} load`, 'slow', load.value.requests);
        return { stats: load.value, cpuPercent, peakRssMiB: peakRss, runtime, stealPercent: load.stealPercent };
      };
      // The two proxy paths alternate which goes first, so a drift of the machine hits both alike.
      const proxyOrder: Array<'proxy' | 'proxyLimits'> = round % 2 === 0 ? ['proxy', 'proxyLimits'] : ['proxyLimits', 'proxy'];

      const seqDirect = await seqOf('direct');
      const seqForwarder = await seqOf('forwarder', forwarder.child.pid!);
      const seqProxy: Partial<Record<'proxy' | 'proxyLimits', { stats: SampleStats; cpuMsPerRequest: number }>> = {};
      for (const name of proxyOrder) {
        seqProxy[name] = await seqOf(name, pid);
        if (name === 'proxyLimits') await checkCharged(`round ${round + 1} sequential`, 'fast', SEQUENTIAL);
      }
      // Only to close the sequential phase's CPU profile (BENCH_LLM_CPU_PROF); these stats are not used.
      await runtimeStatsOf(pid, statsFile);

      const loadDirect = await loadOf('direct');
      const loadForwarder = await loadOf('forwarder');
      const loadProxy: Partial<Record<'proxy' | 'proxyLimits', ProxyLoad>> = {};
      for (const name of proxyOrder) loadProxy[name] = await proxyLoadOf(name);
      rounds.push({
        seq: { direct: seqDirect.stats, forwarder: seqForwarder.stats, proxy: seqProxy.proxy!.stats, proxyLimits: seqProxy.proxyLimits!.stats },
        seqCpuMsPerRequest: { forwarder: seqForwarder.cpuMsPerRequest, proxy: seqProxy.proxy!.cpuMsPerRequest, proxyLimits: seqProxy.proxyLimits!.cpuMsPerRequest },
        load: { direct: loadDirect.value, forwarder: loadForwarder.value, proxy: loadProxy.proxy!, proxyLimits: loadProxy.proxyLimits! },
        proxyLoadOrder: proxyOrder.map((name) => (name === 'proxy' ? 'off' : 'on')).join(','),
      });
      logRound(rounds[rounds.length - 1], round);
    }
    return overheadReport(rounds, { rate: RATE, loadSeconds: LOAD_SECONDS, sequential: SEQUENTIAL, warmup, checkFailures, limitChecks, limits: LIMITS, nodeFlags: SERVICE_NODE_FLAGS['llm-proxy'].join(' ') || 'none' });
  } finally {
    await cleanUp();
  }
}

function logRound(last: Round, round: number): void {
  const seqAdded = (path: PathName) => round3(last.seq[path].p50 - last.seq.direct.p50);
  const loadAdded = (path: PathName) => round3(loadStats(last, path).p99 - last.load.direct.p99);
  const errors = PATHS.reduce((sum, path) => sum + last.seq[path].errors + loadStats(last, path).errors, 0);
  const lag = PATHS.map((path) => `${PATH_LABEL[path]} ${round3(loadStats(last, path).lagP99)}`).join(', ');
  console.log(
    `   round ${round + 1}/${ROUNDS}: sequential p50 added ${seqAdded('proxyLimits')} ms limits on, ${seqAdded('proxy')} off (bare forwarder ${seqAdded('forwarder')}); ` +
      `${RATE} rps p99 added ${loadAdded('proxyLimits')} ms on, ${loadAdded('proxy')} off (bare forwarder ${loadAdded('forwarder')}); ${errors} errors; ` +
      `generator lag p99 ${lag} ms; steal ${round3(last.load.proxyLimits.stealPercent)} on / ${round3(last.load.proxy.stealPercent)} off %`,
  );
}

/** BENCH_LLM_SAMPLES_DIR: every request of a load phase, times on the wall clock. */
function writeSamples(dir: string, name: string, samples: Sample[]): void {
  const wall = (at: number) => performance.timeOrigin + at;
  fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(samples.map((sample) => ({ ...sample, scheduledAt: wall(sample.scheduledAt), sentAt: wall(sample.sentAt) }))));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

if (process.env.BENCH_LLM_ROLE === 'mocks') void serveMocks();
else if (process.env.BENCH_LLM_ROLE === 'forwarder') void serveForwarders();
else if (require.main === module) runAsScript(run);
