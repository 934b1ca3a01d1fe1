import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import * as v8 from 'node:v8';

/** What a measured process's own runtime did during a phase: event-loop delay and GC pauses. */
export interface RuntimeStats {
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  gcPauses: number;
  /** Of which mark-compacts (major GCs): each comes with concurrent marking that competes for the CPU. */
  majorGcs: number;
  gcPauseTotalMs: number;
  gcPauseMaxMs: number;
}

/**
 * Preloaded into a measured service (`NODE_OPTIONS=--require …/runtime-stats.js` with
 * BENCH_RUNTIME_STATS_FILE set): on each SIGWINCH (not SIGUSR2: Nest's shutdown hooks stop the
 * service on that one) the process writes its stats since the previous
 * signal to that file and starts counting again. The service's own code is not touched.
 */
export function reportRuntimeStatsOnSignal(file: string): void {
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const gc = { pauses: 0, major: 0, totalMs: 0, maxMs: 0 };
  const timeline = process.env.BENCH_GC_TIMELINE_FILE;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (timeline) fs.appendFileSync(timeline, `${JSON.stringify({ at: performance.timeOrigin + entry.startTime, ms: entry.duration, kind: (entry as { detail?: { kind?: number } }).detail?.kind, oldMiB: oldSpaceMiB() })}\n`);
      gc.pauses++;
      if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) gc.major++;
      gc.totalMs += entry.duration;
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  process.on('SIGWINCH', () => {
    const stats: RuntimeStats = {
      loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      loopDelayMaxMs: loopDelay.max / 1e6,
      gcPauses: gc.pauses,
      majorGcs: gc.major,
      gcPauseTotalMs: gc.totalMs,
      gcPauseMaxMs: gc.maxMs,
    };
    loopDelay.reset();
    Object.assign(gc, { pauses: 0, major: 0, totalMs: 0, maxMs: 0 });
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(stats));
    fs.renameSync(`${file}.tmp`, file);
  });
}

/** Old-generation bytes in use, MiB: what survived the young generation (for BENCH_GC_TIMELINE_FILE). */
function oldSpaceMiB(): number {
  const old = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'old_space');
  return old ? Math.round((old.space_used_size / 1048576) * 10) / 10 : Number.NaN;
}

/** In the load generator: signals `pid` and reads the stats it wrote to `file`. */
export async function runtimeStatsOf(pid: number, file: string): Promise<RuntimeStats> {
  fs.rmSync(file, { force: true });
  process.kill(pid, 'SIGWINCH');
  for (let waited = 0; waited < 5000; waited += 20) {
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as RuntimeStats;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`process ${pid} wrote no runtime stats to ${file}`);
}

/**
 * BENCH_CPU_PROFILE_DIR: the process profiles itself from the start and, at each SIGWINCH, writes
 * the profile since the previous one there (`--cpu-prof` is not allowed in NODE_OPTIONS).
 */
export function profileUntilEachSignal(dir: string): void {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable', () => session.post('Profiler.start'));
  let count = 0;
  process.on('SIGWINCH', () => {
    session.post('Profiler.stop', (error, result) => {
      if (!error) fs.writeFileSync(`${dir}/llm-proxy.${process.pid}.${++count}.cpuprofile`, JSON.stringify(result.profile));
      session.post('Profiler.start');
    });
  });
}

/**
 * BENCH_HEAP_SAMPLING_DIR: a sampling heap profile of each phase, of the allocations that
 * survived young-generation GCs (promoted, live or collected later by a major GC): what makes
 * the old generation grow and the major GCs come.
 */
export function sampleSurvivorsUntilEachSignal(dir: string): void {
  const session = new inspector.Session();
  session.connect();
  const start = () =>
    session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false } as inspector.HeapProfiler.StartSamplingParameterType);
  session.post('HeapProfiler.enable', start);
  let count = 0;
  process.on('SIGWINCH', () => {
    session.post('HeapProfiler.stopSampling', (error, result) => {
      if (!error) fs.writeFileSync(`${dir}/llm-proxy.${process.pid}.${++count}.heapprofile`, JSON.stringify(result.profile));
      start();
    });
  });
}

if (process.env.BENCH_HEAP_SAMPLING_DIR) sampleSurvivorsUntilEachSignal(process.env.BENCH_HEAP_SAMPLING_DIR);
if (process.env.BENCH_RUNTIME_STATS_FILE) reportRuntimeStatsOnSignal(process.env.BENCH_RUNTIME_STATS_FILE);
if (process.env.BENCH_CPU_PROFILE_DIR) profileUntilEachSignal(process.env.BENCH_CPU_PROFILE_DIR);
