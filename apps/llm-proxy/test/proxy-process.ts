import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { eventually, REPO } from '@kastra/testing';

/** An llm-proxy started from dist/ as its own process, keeping ALL of its output (the key leak check reads every line). */
export interface ProxyProcess {
  readonly url: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Output beyond this is a test bug (a log loop), not something to grep. */
const MAX_OUTPUT_BYTES = 50 * 1024 * 1024;

/** Like startServiceProcess of @kastra/testing, which keeps only a tail of the logs. */
export async function startProxyProcess(port: number, env: NodeJS.ProcessEnv): Promise<ProxyProcess> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  const child: ChildProcess = spawn(process.execPath, [path.join(REPO, 'dist/apps/llm-proxy/src/main.js')], {
    cwd: REPO,
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > MAX_OUTPUT_BYTES) throw new Error('llm-proxy wrote more than 50 MB of logs');
    chunks.push(chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const output = () => Buffer.concat(chunks).toString('utf8');
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 8000)))]);
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  try {
    // An exited process ends the wait at once instead of after the timeout.
    await eventually(async () => child.exitCode !== null || (await fetch(`${url}/readyz`).catch(() => undefined))?.ok, 60_000, 100);
    if (child.exitCode !== null) throw new Error(`llm-proxy exited (${child.exitCode})`);
  } catch (error) {
    await stop();
    throw new Error(`llm-proxy did not become ready: ${String(error)}\n${output().slice(-4000)}`);
  }
  return { url, output, stop };
}
