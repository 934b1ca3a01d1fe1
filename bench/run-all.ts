import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Runs every `bench/*.bench.ts` (from dist/ after `npm run bench`'s build), one child process
 * each, in name order. `node dist/bench/run-all.js event-append` runs only the benchmarks whose
 * name contains one of the arguments. Exits non-zero when any benchmark failed.
 */
const EXTENSION = path.extname(__filename); // .js in dist/, .ts when run from source via swc-register
const SUFFIX = `.bench${EXTENSION}`;
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 10 * 60_000);

interface Outcome {
  name: string;
  ok: boolean;
  seconds: number;
  detail: string;
}

function discover(filters: string[]): string[] {
  return fs
    .readdirSync(__dirname)
    .filter((file) => file.endsWith(SUFFIX))
    .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
    .sort()
    .map((file) => path.join(__dirname, file));
}

function runOne(file: string): Promise<Outcome> {
  const name = path.basename(file, SUFFIX);
  const started = Date.now();
  console.log(`>> ${name}`);
  return new Promise((resolve) => {
    // execArgv carries `-r swc-register` when run from source, so .ts benchmarks load too.
    const child = spawn(process.execPath, [...process.execArgv, path.join(__dirname, 'support', `bench-entry${EXTENSION}`), file], { stdio: 'inherit' });
    // Past the timeout: SIGTERM, on which the benchmark cleans up (cleanUpOnStop) and exits;
    // SIGKILL if it has not within a minute.
    let killer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    }, TIMEOUT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killer);
      const seconds = (Date.now() - started) / 1000;
      const ok = code === 0;
      resolve({ name, ok, seconds, detail: ok ? 'ok' : timedOut ? `stopped after the ${TIMEOUT_MS / 1000} s timeout (BENCH_TIMEOUT_MS)` : signal ? `killed (${signal})` : `exit ${code}` });
    });
  });
}

async function main(): Promise<void> {
  const files = discover(process.argv.slice(2));
  if (files.length === 0) {
    console.error(`no *${SUFFIX} in ${__dirname} matching ${process.argv.slice(2).join(' ') || '(all)'}`);
    process.exitCode = 1;
    return;
  }
  const outcomes: Outcome[] = [];
  for (const file of files) outcomes.push(await runOne(file));
  console.log('== summary');
  for (const o of outcomes) console.log(`${o.ok ? 'PASS' : 'FAIL'}  ${o.name.padEnd(28)} ${o.seconds.toFixed(1).padStart(6)} s  ${o.detail}`);
  if (outcomes.some((o) => !o.ok)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
