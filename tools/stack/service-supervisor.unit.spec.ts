import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { eventually } from '@kastra/testing';
import { type SupervisedService, type SupervisorEvent, ServiceSupervisor } from './service-supervisor';

jest.setTimeout(15000);

describe('ServiceSupervisor', () => {
  let dir: string;
  let supervisor: ServiceSupervisor | undefined;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-supervisor-'));
  });
  afterEach(async () => {
    await supervisor?.stop();
    supervisor = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function fake(name: string, script: string): SupervisedService {
    return { name, command: process.execPath, args: ['-e', script], logFile: path.join(dir, 'logs', `${name}.log`) };
  }

  function record(target: ServiceSupervisor): SupervisorEvent[] {
    const events: SupervisorEvent[] = [];
    target.on('event', (event) => events.push(event));
    return events;
  }

  it('restarts a crashing child with doubling delays up to the ceiling', async () => {
    // Given a service that dies at once, under a fast policy
    supervisor = new ServiceSupervisor([fake('crasher', 'console.log("hello from crasher"); process.exit(3)')], {
      restart: { initialDelayMs: 40, maxDelayMs: 160, resetAfterMs: 60_000 },
    });
    const events = record(supervisor);

    // When it is supervised for five exits
    supervisor.start();
    const exits = () => events.filter((e): e is Extract<SupervisorEvent, { type: 'exited' }> => e.type === 'exited');
    await eventually(async () => exits().length >= 5, 10_000, 20);

    // Then each exit is reported with its code and the next delay follows 40, 80, 160, 160...
    expect(exits().slice(0, 5).map((e) => e.restartInMs)).toEqual([40, 80, 160, 160, 160]);
    expect(exits()[0].code).toBe(3);
    expect(supervisor.statuses()[0].restarts).toBeGreaterThanOrEqual(4);
    // and every incarnation's output was appended to its log file
    const log = fs.readFileSync(path.join(dir, 'logs', 'crasher.log'), 'utf8');
    expect(log.match(/hello from crasher/g)?.length).toBeGreaterThanOrEqual(5);
  });

  it('resets the backoff once a child stayed up long enough', async () => {
    // Given a child that lives 150 ms and a reset threshold of 100 ms
    supervisor = new ServiceSupervisor([fake('flaky', 'setTimeout(() => process.exit(1), 150)')], {
      restart: { initialDelayMs: 30, maxDelayMs: 1000, resetAfterMs: 100 },
    });
    const events = record(supervisor);

    // When it exits several times
    supervisor.start();
    await eventually(async () => events.filter((e) => e.type === 'exited').length >= 3, 10_000, 20);

    // Then every restart waits only the initial delay
    const delays = events.flatMap((e) => (e.type === 'exited' ? [e.restartInMs] : []));
    expect(delays.slice(0, 3)).toEqual([30, 30, 30]);
  });

  it('stops running children and restarts nothing afterwards', async () => {
    // Given a long-running child
    supervisor = new ServiceSupervisor([fake('sleeper', 'setInterval(() => {}, 1000)')], {
      restart: { initialDelayMs: 20 },
    });
    const events = record(supervisor);
    supervisor.start();
    const started = await eventually(async () => events.find((e) => e.type === 'started'), 5000, 20);
    const pid = started.type === 'started' ? started.pid : 0;

    // When the supervisor stops
    await supervisor.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));

    // Then the child is gone, reported as a signal exit without a restart, and nothing respawned
    expect(() => process.kill(pid, 0)).toThrow();
    const exit = events.find((e) => e.type === 'exited');
    expect(exit).toMatchObject({ signal: 'SIGTERM' });
    expect((exit as { restartInMs?: number }).restartInMs).toBeUndefined();
    expect(events.filter((e) => e.type === 'started')).toHaveLength(1);
    expect(supervisor.statuses()[0].state).toBe('stopped');
  });

  it('reports a command that cannot be spawned and keeps retrying it', async () => {
    // Given a service whose binary does not exist
    supervisor = new ServiceSupervisor(
      [{ name: 'ghost', command: path.join(dir, 'no-such-binary'), args: [], logFile: path.join(dir, 'ghost.log') }],
      { restart: { initialDelayMs: 20, maxDelayMs: 40 } },
    );
    const events = record(supervisor);

    // When started  Then the failure is reported and a restart scheduled
    supervisor.start();
    await eventually(async () => events.filter((e) => e.type === 'failed').length >= 2, 5000, 20);
    const failed = events.find((e) => e.type === 'failed');
    expect(failed?.type === 'failed' && (failed.error as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('supervises a child added after start (a plugin) like the others, and refuses a name twice', async () => {
    // Given a running supervisor
    supervisor = new ServiceSupervisor([fake('service', 'setInterval(() => {}, 1000)')], { restart: { initialDelayMs: 20, maxDelayMs: 40 } });
    const events = record(supervisor);
    supervisor.start();
    // When a crashing plugin is added
    supervisor.add(fake('plugin-x', 'console.log("plugin up"); process.exit(2)'));
    // Then it is started at once, restarted with backoff, and its output lands in its log
    await eventually(async () => events.filter((e) => e.type === 'started' && e.name === 'plugin-x').length >= 2, 5000, 20);
    expect(fs.readFileSync(path.join(dir, 'logs', 'plugin-x.log'), 'utf8')).toContain('plugin up');
    expect(() => supervisor!.add(fake('plugin-x', ''))).toThrow(/already supervised/);
    // And stop() stops it too
    await supervisor.stop();
    expect(supervisor.statuses().map((s) => s.state)).toEqual(['stopped', 'stopped']);
  });
});
