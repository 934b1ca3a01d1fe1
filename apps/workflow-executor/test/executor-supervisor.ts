import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { eventually, freePort, REPO } from '@kastra/testing';

interface Replica {
  child: ChildProcess;
  url: string;
  logs: string[];
}

/**
 * Keeps `count` workflow-executor processes from dist/ running, as `npm start`'s supervisor does:
 * one that ends, however (SIGKILL, an abort), is replaced at once. A process takes work before
 * its /readyz answers, so replacing does not wait for readiness, and a replacement killed while
 * starting is replaced too.
 */
export class ExecutorSupervisor {
  /** Processes started to replace ones that ended. */
  restarts = 0;
  private readonly replicas = new Set<Replica>();
  private stopping = false;

  constructor(
    private readonly count: number,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  async start(): Promise<void> {
    for (let i = 0; i < this.count; i++) await this.spawnReplica();
    await this.ready();
  }

  /** Every process running now answers /readyz. */
  async ready(timeoutMs = 60_000): Promise<void> {
    await eventually(async () => {
      const answers = await Promise.all([...this.replicas].map((replica) => fetch(`${replica.url}/readyz`).then((res) => res.ok, () => false)));
      return answers.length === this.count && answers.every(Boolean);
    }, timeoutMs, 200);
  }

  get pids(): number[] {
    return [...this.replicas].map((replica) => replica.child.pid!);
  }

  logs(): string {
    return [...this.replicas].map((replica) => `--- ${replica.child.pid}\n${replica.logs.join('').slice(-4000)}`).join('\n');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.replicas].map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  private async spawnReplica(): Promise<void> {
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(REPO, 'dist/apps/workflow-executor/src/main.js')], {
      cwd: REPO,
      env: { ...this.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const replica: Replica = { child, url: `http://127.0.0.1:${port}`, logs: [] };
    const keep = (chunk: Buffer) => {
      replica.logs.push(chunk.toString());
      if (replica.logs.length > 200) replica.logs.splice(0, replica.logs.length - 200);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.replicas.add(replica);
    child.once('exit', () => {
      this.replicas.delete(replica);
      if (this.stopping) return;
      this.restarts += 1;
      void this.spawnReplica();
    });
  }
}
