import * as path from 'node:path';
import { runAsScript, type BenchReport } from './bench-report';

/**
 * Runs one benchmark file in this process (run-all starts one process per benchmark, so a
 * benchmark's pools, sockets and child services never outlive it). A module exporting `run()` is
 * run and its report published; any other module is a script whose top-level code did the work
 * when it was required.
 */
const file = process.argv[2];
if (!file) {
  console.error('usage: bench-entry <file.bench.js>');
  process.exit(2);
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loaded = require(path.resolve(file)) as { run?: () => Promise<BenchReport | void> };
if (typeof loaded.run === 'function') runAsScript(loaded.run);
