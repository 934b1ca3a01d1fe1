import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RestartPolicy, type RestartPolicyOptions } from './restart-policy';

export interface SupervisedService {
  name: string;
  command: string;
  args: string[];
  /** Environment of the child (not merged: pass `{ ...process.env, PORT }`). */
  env?: NodeJS.ProcessEnv;
  /** stdout and stderr of every incarnation are appended here. */
  logFile: string;
}

export type ServiceState = 'running' | 'restarting' | 'stopped';

export interface ServiceStatus {
  name: string;
  state: ServiceState;
  pid?: number;
  restarts: number;
  lastExit?: { code: number | null; signal: NodeJS.Signals | null };
}

export type SupervisorEvent =
  | { type: 'started'; name: string; pid: number; restarts: number }
  | { type: 'exited'; name: string; code: number | null; signal: NodeJS.Signals | null; uptimeMs: number; restartInMs?: number }
  | { type: 'failed'; name: string; error: Error };

interface Slot {
  service: SupervisedService;
  policy: RestartPolicy;
  status: ServiceStatus;
  child?: ChildProcess;
  startedAt?: number;
  restartTimer?: NodeJS.Timeout;
}

export interface SupervisorOptions {
  restart?: RestartPolicyOptions;
  /** How long `stop()` waits after SIGTERM before SIGKILL. @default 10 seconds */
  stopTimeoutMs?: number;
}

/**
 * Keeps one child process per service alive: restarts a dead one after the policy's backoff,
 * appends its output to its log file, and reports each start and exit as an `event`.
 */
export class ServiceSupervisor extends EventEmitter<{ event: [SupervisorEvent] }> {
  private readonly slots: Slot[];
  private readonly stopTimeoutMs: number;
  private stopping = false;
  private started = false;
  private readonly restartOptions?: RestartPolicyOptions;

  constructor(services: SupervisedService[], options: SupervisorOptions = {}) {
    super();
    this.stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
    this.restartOptions = options.restart;
    this.slots = services.map((service) => ({
      service,
      policy: new RestartPolicy(options.restart),
      status: { name: service.name, state: 'stopped', restarts: 0 },
    }));
  }

  start(): void {
    this.stopping = false;
    this.started = true;
    for (const slot of this.slots) this.launch(slot);
  }

  /** Supervises one more child (a plugin known only once the gateway answers); started now if the others are. */
  add(service: SupervisedService): void {
    if (this.slots.some((slot) => slot.service.name === service.name)) throw new Error(`already supervised: ${service.name}`);
    const slot: Slot = { service, policy: new RestartPolicy(this.restartOptions), status: { name: service.name, state: 'stopped', restarts: 0 } };
    this.slots.push(slot);
    if (this.started && !this.stopping) this.launch(slot);
  }

  statuses(): ServiceStatus[] {
    return this.slots.map((slot) => ({ ...slot.status }));
  }

  /** SIGTERM to every child (SIGKILL after the timeout); no more restarts. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.slots.map(async (slot) => {
        clearTimeout(slot.restartTimer);
        const child = slot.child;
        if (child && child.exitCode === null && child.signalCode === null) {
          const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), this.stopTimeoutMs);
          await exited;
          clearTimeout(timer);
        }
        slot.status.state = 'stopped';
        slot.status.pid = undefined;
      }),
    );
  }

  private launch(slot: Slot): void {
    const { service } = slot;
    fs.mkdirSync(path.dirname(service.logFile), { recursive: true });
    const log = fs.openSync(service.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(service.command, service.args, { env: service.env ?? process.env, stdio: ['ignore', log, log] });
    } finally {
      // The child holds its own descriptor now.
      fs.closeSync(log);
    }
    slot.child = child;
    slot.startedAt = Date.now();
    child.once('spawn', () => {
      slot.status = { ...slot.status, state: 'running', pid: child.pid };
      this.emit('event', { type: 'started', name: service.name, pid: child.pid ?? 0, restarts: slot.status.restarts });
    });
    child.once('error', (error) => {
      // Spawn failure (missing binary): 'exit' may not follow, so schedule the restart here.
      this.emit('event', { type: 'failed', name: service.name, error });
      if (child.pid === undefined) this.onExit(slot, null, null);
    });
    child.once('exit', (code, signal) => this.onExit(slot, code, signal));
  }

  private onExit(slot: Slot, code: number | null, signal: NodeJS.Signals | null): void {
    const uptimeMs = Date.now() - (slot.startedAt ?? Date.now());
    slot.child = undefined;
    slot.status = { ...slot.status, pid: undefined, lastExit: { code, signal } };
    if (this.stopping) {
      slot.status.state = 'stopped';
      this.emit('event', { type: 'exited', name: slot.service.name, code, signal, uptimeMs });
      return;
    }
    const restartInMs = slot.policy.delayAfterExit(uptimeMs);
    slot.status.state = 'restarting';
    this.emit('event', { type: 'exited', name: slot.service.name, code, signal, uptimeMs, restartInMs });
    slot.restartTimer = setTimeout(() => {
      if (this.stopping) return;
      slot.status.restarts++;
      this.launch(slot);
    }, restartInMs);
  }
}
