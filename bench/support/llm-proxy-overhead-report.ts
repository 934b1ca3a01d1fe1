import * as os from 'node:os';
import { row, type BenchReport } from './bench-report';
import { LAG_LIMIT_MS, lagTooHigh, type SampleStats } from './http-load';
import type { RuntimeStats } from './runtime-stats';

/** The paths every round measures: the upstream itself, the floor of a Node proxy, the proxy without and with limits. */
export const PATHS = ['direct', 'forwarder', 'proxy', 'proxyLimits'] as const;
export type PathName = (typeof PATHS)[number];

export const PATH_LABEL: Record<PathName, string> = { direct: 'direct', forwarder: 'bare forwarder', proxy: 'llm-proxy, limits off', proxyLimits: 'llm-proxy, limits on' };

/** A proxy load phase: the generator's view and the proxy process's own. */
export interface ProxyLoad {
  stats: SampleStats;
  cpuPercent: number;
  peakRssMiB: number;
  runtime: RuntimeStats;
  stealPercent: number;
}

/** One round's figures: each path measured back to back, so they share the machine's state. */
export interface Round {
  seq: Record<PathName, SampleStats>;
  /** CPU the path's own process spent per sequential request, ms. */
  seqCpuMsPerRequest: { forwarder: number; proxy: number; proxyLimits: number };
  load: { direct: SampleStats; forwarder: SampleStats; proxy: ProxyLoad; proxyLimits: ProxyLoad };
  /** Which proxy load phase went first (they alternate between rounds, so drift hits both). */
  proxyLoadOrder: string;
}

/** Everything the report needs besides the rounds. */
export interface RunFacts {
  rate: number;
  loadSeconds: number;
  sequential: number;
  warmup: Record<PathName, SampleStats[]>;
  /** Checks that did not hold (e.g. a limits-on call that was not charged in Redis). */
  checkFailures: string[];
  /** What was checked in Redis, for the notes. */
  limitChecks: string[];
  limits: { userRpm: number; userTpm: number; modelRpm: number; modelTpm: number };
  nodeFlags: string;
}

/** The generator's figures of a path's load phase in a round. */
export function loadStats(round: Round, path: PathName): SampleStats {
  const load = round.load[path];
  return 'stats' in load ? load.stats : load;
}

/**
 * Rows of medians over the rounds; each round's added latency is paired within the round. Any
 * error in any phase (warm-up included) fails the run; a load phase whose generator lag p99 is
 * over LAG_LIMIT_MS is named unreliable.
 */
export function overheadReport(rounds: Round[], facts: RunFacts): BenchReport {
  const med = (pick: (r: Round) => number) => median(rounds.map(pick));
  const each = (pick: (r: Round) => number) => rounds.map((r) => round3(pick(r))).join(' / ');
  const seqAdded = (path: PathName) => (r: Round) => r.seq[path].p50 - r.seq.direct.p50;
  const seqAdded99 = (path: PathName) => (r: Round) => r.seq[path].p99 - r.seq.direct.p99;
  const loadAdded = (path: PathName, p: 'p50' | 'p99') => (r: Round) => loadStats(r, path)[p] - r.load.direct[p];
  const lagOf = (path: PathName) => each((r) => loadStats(r, path).lagP99);

  const phases = rounds.flatMap((r, index) => [
    ...PATHS.map((path) => ({ round: index + 1, phase: 'sequential', path, stats: r.seq[path] })),
    ...PATHS.map((path) => ({ round: index + 1, phase: `${facts.rate} rps`, path, stats: loadStats(r, path) })),
  ]);
  const warmups = PATHS.flatMap((path) => facts.warmup[path].map((stats) => ({ round: 0, phase: 'warm-up', path, stats })));
  const all = [...warmups, ...phases];
  const errors = all.reduce((sum, p) => sum + p.stats.errors, 0);
  const requests = all.reduce((sum, p) => sum + p.stats.requests, 0);
  const failures = [
    ...all.filter((p) => p.stats.errors > 0).map((p) => `${p.stats.errors} errors of ${p.stats.requests} in ${p.phase}${p.round ? ` (round ${p.round})` : ''}, ${PATH_LABEL[p.path]}: ${JSON.stringify(p.stats.errorsByStatus)}`),
    ...facts.checkFailures,
  ];
  // Closed-loop phases have no schedule to fall behind: only the open-loop phases' lag decides.
  const unreliable = phases.filter((p) => p.phase !== 'sequential' && lagTooHigh(p.stats));
  const unreliableNote = (paths: PathName[]) => {
    const hit = unreliable.filter((p) => paths.includes(p.path)).length;
    return hit === 0 ? '' : ` (UNRELIABLE: ${hit} of the ${rounds.length * paths.length} phases behind it had generator lag p99 > ${LAG_LIMIT_MS} ms)`;
  };

  const seqOn = med(seqAdded('proxyLimits'));
  const seqOff = med(seqAdded('proxy'));
  const loadOn = med(loadAdded('proxyLimits', 'p99'));
  const loadOff = med(loadAdded('proxy', 'p99'));
  const proxyLoadDetails = (path: 'proxy' | 'proxyLimits') => ({
    selfReportedOverheadP99: round3(med((r) => r.load[path].stats.overheadP99)),
    stealPercentPerRound: each((r) => r.load[path].stealPercent),
    proxyCpuPercent: round3(med((r) => r.load[path].cpuPercent)),
    proxyPeakRssMiB: round3(Math.max(...rounds.map((r) => r.load[path].peakRssMiB))),
    proxyLoopDelayP99Ms: round3(med((r) => r.load[path].runtime.loopDelayP99Ms)),
    proxyLoopDelayMaxMs: round3(Math.max(...rounds.map((r) => r.load[path].runtime.loopDelayMaxMs))),
    proxyGcPausesPerRound: each((r) => r.load[path].runtime.gcPauses),
    proxyMajorGcsPerRound: each((r) => r.load[path].runtime.majorGcs),
    proxyGcPauseMaxMs: round3(Math.max(...rounds.map((r) => r.load[path].runtime.gcPauseMaxMs))),
    generatorLagP99MsPerRound: lagOf(path),
  });

  return {
    name: 'llm-proxy-overhead',
    description: `chat completion through llm-proxy (limits on and off) vs straight to the same mock upstream (ms; medians of ${rounds.length} rounds)`,
    rows: [
      row('sequential p50, limits on', med((r) => r.seq.proxyLimits.p50), 'ms', 'direct p50', med((r) => r.seq.direct.p50), {
        addedMs: round3(seqOn),
        addedMsPerRound: each(seqAdded('proxyLimits')),
        limitsOffAddedMs: round3(seqOff),
        limitsOffAddedMsPerRound: each(seqAdded('proxy')),
        bareForwarderAddedMs: round3(med(seqAdded('forwarder'))),
        bareForwarderAddedMsPerRound: each(seqAdded('forwarder')),
        selfReportedOverheadP50: round3(med((r) => r.seq.proxyLimits.overheadP50)),
        limitsOffSelfReportedOverheadP50: round3(med((r) => r.seq.proxy.overheadP50)),
        proxyCpuMsPerRequest: round3(med((r) => r.seqCpuMsPerRequest.proxyLimits)),
        limitsOffProxyCpuMsPerRequest: round3(med((r) => r.seqCpuMsPerRequest.proxy)),
        bareForwarderCpuMsPerRequest: round3(med((r) => r.seqCpuMsPerRequest.forwarder)),
        requestsPerRound: facts.sequential,
      }),
      row('sequential p50, limits off', med((r) => r.seq.proxy.p50), 'ms', 'direct p50', med((r) => r.seq.direct.p50), { addedMs: round3(seqOff) }),
      row('sequential p99, limits on', med((r) => r.seq.proxyLimits.p99), 'ms', 'direct p99', med((r) => r.seq.direct.p99), {
        addedMs: round3(med(seqAdded99('proxyLimits'))),
        limitsOffAddedMs: round3(med(seqAdded99('proxy'))),
        bareForwarderAddedMs: round3(med(seqAdded99('forwarder'))),
        selfReportedOverheadP99: round3(med((r) => r.seq.proxyLimits.overheadP99)),
      }),
      row('sequential p99, limits off', med((r) => r.seq.proxy.p99), 'ms', 'direct p99', med((r) => r.seq.direct.p99), { addedMs: round3(med(seqAdded99('proxy'))) }),
      row(`${facts.rate} rps p50, limits on (200 ms upstream)`, med((r) => r.load.proxyLimits.stats.p50), 'ms', 'direct p50', med((r) => r.load.direct.p50), {
        addedMs: round3(med(loadAdded('proxyLimits', 'p50'))),
        bareForwarderAddedMs: round3(med(loadAdded('forwarder', 'p50'))),
        requestsPerPhase: facts.rate * facts.loadSeconds,
      }),
      row(`${facts.rate} rps p50, limits off (200 ms upstream)`, med((r) => r.load.proxy.stats.p50), 'ms', 'direct p50', med((r) => r.load.direct.p50), {
        addedMs: round3(med(loadAdded('proxy', 'p50'))),
      }),
      row(`${facts.rate} rps p99, limits on (200 ms upstream)`, med((r) => r.load.proxyLimits.stats.p99), 'ms', 'direct p99', med((r) => r.load.direct.p99), {
        addedMs: round3(loadOn),
        addedMsPerRound: each(loadAdded('proxyLimits', 'p99')),
        bareForwarderAddedMs: round3(med(loadAdded('forwarder', 'p99'))),
        bareForwarderAddedMsPerRound: each(loadAdded('forwarder', 'p99')),
        directGeneratorLagP99MsPerRound: lagOf('direct'),
        ...proxyLoadDetails('proxyLimits'),
        proxyNodeFlags: facts.nodeFlags,
        secondsPerRound: facts.loadSeconds,
        proxyLoadOrderPerRound: rounds.map((r) => r.proxyLoadOrder).join(' / '),
      }),
      row(`${facts.rate} rps p99, limits off (200 ms upstream)`, med((r) => r.load.proxy.stats.p99), 'ms', 'direct p99', med((r) => r.load.direct.p99), {
        addedMs: round3(loadOff),
        addedMsPerRound: each(loadAdded('proxy', 'p99')),
        ...proxyLoadDetails('proxy'),
      }),
    ],
    notes: [
      `targets, limits on (medians of ${rounds.length} rounds): sequential p50 added < 1 ms -> ${round3(seqOn)} ms ${seqOn < 1 ? 'MET' : 'MISSED'}; ` +
        `p99 added at ${facts.rate} rps < 5 ms -> ${round3(loadOn)} ms ${loadOn < 5 ? 'MET' : 'MISSED'}${unreliableNote(['direct', 'proxyLimits'])}; errors -> ${errors} of ${requests} requests in all phases ${errors === 0 ? 'MET' : 'MISSED'}`,
      `limits off, same rounds: sequential p50 added ${round3(seqOff)} ms, p99 added at ${facts.rate} rps ${round3(loadOff)} ms${unreliableNote(['direct', 'proxy'])}; ` +
        `what the limits cost (on - off, median of the per-round differences): sequential p50 ${round3(med((r) => r.seq.proxyLimits.p50 - r.seq.proxy.p50))} ms, ${facts.rate} rps p99 ${round3(med((r) => r.load.proxyLimits.stats.p99 - r.load.proxy.stats.p99))} ms`,
      `limits on: user RPM ${facts.limits.userRpm} / TPM ${facts.limits.userTpm} (PUT /api/v1/llm/user-limits), model rpm_limit ${facts.limits.modelRpm} / tpm_limit ${facts.limits.modelTpm}; never reached, charged in Redis on every call: ${facts.limitChecks.join('; ')}`,
      `floor on this machine (bare node:http forwarder, same rounds): sequential p50 added ${round3(med(seqAdded('forwarder')))} ms, ${facts.rate} rps p99 added ${round3(med(loadAdded('forwarder', 'p99')))} ms`,
      `load generator lag (sent - scheduled; latencies count from the schedule), p50 / p99 / max ms per ${facts.rate} rps phase: ` +
        rounds.map((r, i) => `round ${i + 1}: ${PATHS.map((path) => `${PATH_LABEL[path]} ${lagTriple(loadStats(r, path))}`).join(', ')}`).join('; '),
      unreliable.length === 0
        ? `every ${facts.rate} rps phase had generator lag p99 <= ${LAG_LIMIT_MS} ms: its latencies are the target's, not the generator's`
        : `UNRELIABLE (generator lag p99 > ${LAG_LIMIT_MS} ms: the load generator itself was late, so these latencies measure the machine as much as the target): ` +
          unreliable.map((p) => `round ${p.round} ${PATH_LABEL[p.path]} (lag p99 ${round3(p.stats.lagP99)} ms)`).join(', '),
      `proxy under load (limits on / off): ${round3(med((r) => r.load.proxyLimits.cpuPercent))} / ${round3(med((r) => r.load.proxy.cpuPercent))} % of a core, ` +
        `event-loop delay p99 ${round3(med((r) => r.load.proxyLimits.runtime.loopDelayP99Ms))} / ${round3(med((r) => r.load.proxy.runtime.loopDelayP99Ms))} ms, node flags: ${facts.nodeFlags}; ` +
        `load generator, mocks, forwarder and proxy share ${os.cpus().length} cores; hypervisor steal during the proxy phases: ${each((r) => r.load.proxyLimits.stealPercent)} (on), ${each((r) => r.load.proxy.stealPercent)} (off) %`,
    ],
    failures,
  };
}

function lagTriple(stats: SampleStats): string {
  return `${round3(stats.lagP50)} / ${round3(stats.lagP99)} / ${round3(stats.lagMax)}${lagTooHigh(stats) ? ' UNRELIABLE' : ''}`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
