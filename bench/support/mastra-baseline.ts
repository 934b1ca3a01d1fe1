import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from './bench-report';

/** What bench/mastra-baseline/two-step-workflow.cjs prints. */
export interface MastraResult {
  node: string;
  mastra: string;
  warmupErrors: number;
  errors: number;
  sequential: { ms: number[]; seconds: number; cpuMs: number };
  concurrent: { ms: number[]; seconds: number; cpuMs: number };
}

const DIR = () => path.join(repoRoot(), 'bench', 'mastra-baseline');

/**
 * Node 22 and Mastra from bench/mastra-baseline (its own package.json and lock file), installed
 * with `npm ci` the first time; resolves to the node binary. Throws with npm's own words when the
 * install fails (no network for some dependency).
 */
export function ensureMastraInstalled(): string {
  const node = path.join(DIR(), 'node_modules', 'node', 'bin', 'node');
  const core = path.join(DIR(), 'node_modules', '@mastra', 'core', 'package.json');
  if (!fs.existsSync(node) || !fs.existsSync(core)) {
    try {
      execFileSync('npm', ['ci', '--prefix', DIR(), '--no-audit', '--no-fund'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
    } catch (error) {
      const stderr = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message);
      throw new Error(`npm ci --prefix bench/mastra-baseline failed: ${stderr.trim().split('\n').slice(-5).join(' | ')}`);
    }
  }
  if (!fs.existsSync(node)) throw new Error('npm ci --prefix bench/mastra-baseline gave no node binary (node_modules/node/bin/node)');
  return node;
}

/** Runs the 2-step no-op workflow in Mastra (libsql file storage in a temp dir): sequential runs, then `concurrency` concurrent callers for `seconds`. */
export async function runMastraBaseline(node: string, options: { warmup: number; sequential: number; concurrency: number; seconds: number }): Promise<MastraResult & { pid: number }> {
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-bench-mastra-'));
  try {
    const child = spawn(node, [path.join(DIR(), 'two-step-workflow.cjs'), storage, String(options.warmup), String(options.sequential), String(options.concurrency), String(options.seconds)], {
      cwd: DIR(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-4000)));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const line = out.trim().split('\n').at(-1) ?? '';
    if (code !== 0 || !line.startsWith('{')) throw new Error(`the Mastra baseline exited ${code}: ${err.trim().slice(-800)}`);
    return { ...(JSON.parse(line) as MastraResult), pid: child.pid ?? 0 };
  } finally {
    fs.rmSync(storage, { recursive: true, force: true });
  }
}
