// The 2-step no-op workflow in Mastra, as a user would write it (createWorkflow/createStep from
// @mastra/core/workflows, a Mastra instance with @mastra/libsql file storage), run from 1 client
// and from N concurrent clients in this one process. Started by bench/workflow-latency.bench.ts
// under Node 22 (node_modules/node/bin/node); prints one JSON line of results on stdout.
// Usage: node two-step-workflow.cjs <storage-dir> <warmup runs> <sequential runs> <concurrency> <concurrent seconds>
const path = require('node:path');
const { Mastra } = require('@mastra/core');
const { createWorkflow, createStep } = require('@mastra/core/workflows');
const { LibSQLStore } = require('@mastra/libsql');
const { z } = require('zod');

const [dir, warmup, sequentialRuns, concurrency, seconds] = process.argv.slice(2);

const timeStep = (id) =>
  createStep({
    id,
    inputSchema: z.object({}).passthrough(),
    outputSchema: z.object({ now: z.string() }),
    execute: async () => ({ now: new Date().toISOString() }),
  });

const twoSteps = createWorkflow({ id: 'two-steps', inputSchema: z.object({}).passthrough(), outputSchema: z.object({ now: z.string() }) })
  .then(timeStep('s1'))
  .then(timeStep('s2'))
  .commit();

const mastra = new Mastra({
  workflows: { twoSteps },
  storage: new LibSQLStore({ id: 'bench', url: `file:${path.join(dir, 'mastra.db')}` }),
  logger: false,
});

async function once() {
  const started = performance.now();
  const run = await mastra.getWorkflow('twoSteps').createRun();
  const result = await run.start({ inputData: {} });
  if (result.status !== 'success') throw new Error(`run ${run.runId}: ${result.status} ${JSON.stringify(result.error ?? '')}`);
  return performance.now() - started;
}

async function main() {
  let errors = 0;
  const guarded = async () => {
    try {
      return await once();
    } catch (error) {
      errors++;
      if (errors === 1) console.error(String(error && error.stack ? error.stack : error));
      return undefined;
    }
  };
  for (let i = 0; i < Number(warmup); i++) await guarded();
  const warmupErrors = errors;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const sequential = [];
  for (let i = 0; i < Number(sequentialRuns); i++) {
    const ms = await guarded();
    if (ms !== undefined) sequential.push(ms);
  }
  const sequentialSeconds = (performance.now() - t0) / 1000;
  const cpu1 = process.cpuUsage();
  const concurrent = [];
  const t1 = performance.now();
  const until = t1 + Number(seconds) * 1000;
  await Promise.all(
    Array.from({ length: Number(concurrency) }, async () => {
      while (performance.now() < until) {
        const ms = await guarded();
        if (ms !== undefined) concurrent.push(ms);
      }
    }),
  );
  const concurrentSeconds = (performance.now() - t1) / 1000;
  const cpu2 = process.cpuUsage();
  const cpuMs = (a, b) => (b.user - a.user + b.system - a.system) / 1000;
  process.stdout.write(
    `${JSON.stringify({
      node: process.version,
      mastra: require('@mastra/core/package.json').version,
      warmupErrors,
      errors,
      sequential: { ms: sequential, seconds: sequentialSeconds, cpuMs: cpuMs(cpu0, cpu1) },
      concurrent: { ms: concurrent, seconds: concurrentSeconds, cpuMs: cpuMs(cpu1, cpu2) },
    })}\n`,
  );
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
