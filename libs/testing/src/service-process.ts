import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SERVICE_NODE_FLAGS, type ServiceName } from '@kastra/config';
import { eventually } from './free-port';

/** The repository root (services run from its dist/), found from source and from dist/ alike. */
export const REPO = repositoryRoot(__dirname);

function repositoryRoot(from: string): string {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
  }
  throw new Error(`no package.json above ${from}`);
}

/** A Kastra service started from dist/ as its own process. */
export interface ServiceProcess {
  readonly url: string;
  /** The operating-system process id (CPU and memory readings, signals). */
  readonly pid: number;
  logs(): string;
  stop(): Promise<void>;
}

export interface ServiceProcessOptions {
  /**
   * Keep every line the process writes (a test that greps all logs for leaked keys), instead of a
   * tail of the last 500 chunks. @default false
   */
  keepAllLogs?: boolean;
}

/** Starts `dist/apps/<service>/src/main.js` with `env` and waits for its `/readyz`. */
export async function startServiceProcess(
  service: string,
  port: number,
  env: NodeJS.ProcessEnv,
  options: ServiceProcessOptions = {},
): Promise<ServiceProcess> {
  const logs: string[] = [];
  const child: ChildProcess = spawn(process.execPath, [...(SERVICE_NODE_FLAGS[service as ServiceName] ?? []), path.join(REPO, 'dist/apps', service, 'src/main.js')], {
    cwd: REPO,
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Keep the tail only: a long test or benchmark must not grow memory with logs.
  const keep = (chunk: Buffer) => {
    logs.push(chunk.toString());
    if (!options.keepAllLogs && logs.length > 500) logs.splice(0, logs.length - 500);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 5000)))]);
    clearTimeout(timer);
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  try {
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`${service} exited (${child.exitCode}): ${logs.join('')}`);
      return (await fetch(`${url}/readyz`)).ok;
    }, 60_000, 200);
  } catch (error) {
    await stop();
    throw new Error(`${service} did not become ready: ${String(error)}\n${logs.join('').slice(-4000)}`);
  }
  return { url, pid: child.pid!, logs: () => logs.join(''), stop };
}
