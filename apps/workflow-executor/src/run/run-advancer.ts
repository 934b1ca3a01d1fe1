import { API_GROUP_VERSION, parseReference, type Resource, type ResourceKey } from '@kastra/api';
import { EventStore, readStream, type RecordedEvent } from '@kastra/event-store';
import type { ResourceStore, WriteContext } from '@kastra/resource-store';
import type { Logger } from '@kastra/telemetry';
import type { Pool } from 'pg';
import { runStreamId, type RunEvent, type TimedRunEvent } from './run-events';
import { foldRunEvents, isTerminal } from './run-state';
import { StatusWriter } from './status-writer';
import { afterAttempt, decide, type AttemptResult, type RunControl } from './step-scheduler';
import { executeStepAttempt, type StepExecutionDeps } from './step-execution';
import type { SessionAdvisoryLocks } from '@kastra/event-store';
import type { StepInvoker } from '../step-invoker';
import { childRunName, childRunResult } from './child-runs';
import { ResourceCache } from './resource-cache';

export const EXECUTOR_ACTOR = 'system:workflow-executor';

/** How one advance ended: finished or waiting on the resource (ack), back at a time (delay), or another replica has it. */
export type AdvanceOutcome = { kind: 'done' } | { kind: 'idle' } | { kind: 'wait'; delayMs: number } | { kind: 'locked' } | { kind: 'stopped' };

export interface RunAdvancerOptions {
  pool: Pool;
  /** The replica's run locks (one dedicated session, never a pool client). */
  locks: SessionAdvisoryLocks;
  store: ResourceStore;
  invoker: StepInvoker;
  replica: string;
  logger?: Logger;
  /** Hook for tests and metrics: a step attempt is about to start / has been recorded. */
  onStepStarted?: (run: ResourceKey, stepId: string, scheduledAt: string, startedAt: string) => void;
}

/**
 * Advances one run as far as it can go under its lock: read the stream, decide, append, execute,
 * append — until the run ends, waits (retry backoff), or needs the world (resume, a child run).
 * Every append names the stream version it was decided on, so a replica that lost its lock
 * without knowing (a paused process) cannot write over another's progress.
 */
export class RunAdvancer {
  private readonly events: EventStore;
  private readonly ctx: WriteContext = { actor: EXECUTOR_ACTOR };

  constructor(private readonly options: RunAdvancerOptions) {
    this.events = new EventStore(options.pool);
  }

  /**
   * `recheck()` says (once) that something about the run may have changed since it was read — a
   * work message came for it while this advance held it (a spec patch: resume, cancel; a child
   * run ended). The run is then read again before the next decision, and before the lock goes.
   */
  advance(key: ResourceKey, signal: AbortSignal, recheck: () => boolean = () => false): Promise<AdvanceOutcome> {
    return this.options.locks.withLock(`workflowrun:${key.namespace}/${key.name}`, () => this.advanceLocked(key, signal, recheck)).then((result) =>
      result.acquired ? result.value : { kind: 'locked' },
    );
  }

  private async advanceLocked(key: ResourceKey, signal: AbortSignal, recheck: () => boolean): Promise<AdvanceOutcome> {
    const held: HeldRun = { log: [], resources: new ResourceCache(this.options.store), streamStale: true };
    try {
      return await this.advanceHeld(key, signal, recheck, held);
    } finally {
      // Before the lock goes: the status is the projection of everything appended.
      await held.writer?.flush();
    }
  }

  private async advanceHeld(key: ResourceKey, signal: AbortSignal, recheck: () => boolean, held: HeldRun): Promise<AdvanceOutcome> {
    // The outcome of the last attempt, not yet appended: it goes in one append with what follows.
    let carried: RunEvent[] = [];
    // The run resource is read once per advance, and again only when a work message for it came
    // meanwhile: under the lock nothing else appends to its stream, and a cancel also arrives by
    // broadcast (it aborts `signal`), so re-reading it before every step only cost queries.
    let run: Resource | undefined;
    for (;;) {
      // Cancelled or shutting down: an unrecorded attempt result is dropped (it runs again, same key).
      if (signal.aborted) return { kind: 'stopped' };
      if (!run || recheck()) {
        run = await this.options.store.get(key);
        held.streamStale = true;
      }
      if (!run?.metadata.uid) return { kind: 'done' };
      const uid = run.metadata.uid;
      const streamId = runStreamId(key.namespace, key.name, uid);
      if (held.uid !== uid) {
        // First pass (or the run was recreated under the same name): start from its whole stream.
        await held.writer?.flush().catch(() => undefined);
        Object.assign(held, { uid, log: [], writer: new StatusWriter(this.options.store, key, run, this.ctx), streamStale: true });
        carried = [];
      }
      const writer = held.writer!;
      // Only what was appended since the last read, and only when the log held here may be behind
      // (first pass, a re-check, items recorded while a step ran); our own appends are in it.
      if (held.streamStale) {
        held.log.push(...(await readStream(this.options.pool, streamId, held.log.at(-1)?.streamVersion ?? 0)));
        held.streamStale = false;
      }
      const control = (run.spec ?? {}) as RunControl;
      // A cancel that came while the step ran wins over its result (the run ends Cancelled).
      if (control.cancel) carried = [];
      let state = foldRunEvents(held.log.map(toRunEvent));
      if (state.phase === 'Pending' && !isTerminal(state)) {
        writer.offer(state);
        await this.append(streamId, held, await this.startEvents(run));
        continue;
      }
      // Decide as far as the log alone allows: transitions (step ended, next scheduled, run
      // ended) are folded locally and appended in ONE transaction with the next StepStarted, so
      // a no-op step costs one append instead of three.
      const batch: RunEvent[] = [...carried];
      carried = [];
      const fold = () => foldRunEvents([...held.log.map(toRunEvent), ...batch.map((event) => ({ ...event, at: new Date().toISOString() }) as TimedRunEvent)]);
      if (batch.length > 0) state = fold();
      let decision = decide(state, control, uid, Date.now());
      while (decision.kind === 'events') {
        batch.push(...decision.events);
        state = fold();
        decision = decide(state, control, uid, Date.now());
      }
      switch (decision.kind) {
        case 'done':
        case 'idle':
        case 'wait': {
          if (batch.length > 0) await this.append(streamId, held, batch);
          writer.offer(foldRunEvents(held.log.map(toRunEvent)));
          // A message came for the run while it was held (resume, child ended): look once more
          // before letting it go, instead of the message bouncing off the lock.
          if (recheck()) {
            run = undefined;
            continue;
          }
          if (decision.kind === 'wait') return { kind: 'wait', delayMs: Math.max(0, decision.untilMs - Date.now()) };
          return { kind: decision.kind };
        }
        case 'execute': {
          const { activation, step, attempt } = decision;
          if (step.suspend) {
            await this.append(streamId, held, [
              ...batch,
              { type: 'RunSuspended', data: { stepId: step.id, message: step.suspend.message, resumeSchema: step.suspend.resumeSchema } },
            ]);
            continue;
          }
          // StepStarted is durable before the step's side effects begin.
          const started = await this.append(streamId, held, [
            ...batch,
            { type: 'StepStarted', data: { stepId: step.id, visit: activation.visit, attempt, replica: this.options.replica } },
          ]);
          const startedAt = started[started.length - 1].createdAt;
          this.options.onStepStarted?.(key, step.id, activation.scheduledAt, startedAt);
          writer.offer(foldRunEvents(held.log.map(toRunEvent)));
          let version = held.log.at(-1)!.streamVersion;
          // Items finish concurrently (parallel, foreach): their appends go one at a time.
          let appending: Promise<void> = Promise.resolve();
          let fenced: unknown;
          const parent = run;
          const deps: StepExecutionDeps = {
            invoker: this.options.invoker,
            resources: held.resources,
            childRun: (workflow, input) => this.childRun(parent, step.id, workflow, input),
            recordItem: (item, output) => {
              held.streamStale = true;
              appending = appending.then(async () => {
                await this.events.append(streamId, [{ type: 'StepItemSucceeded', data: { stepId: step.id, visit: activation.visit, item, output } }], {
                  expectedVersion: version,
                  metadata: { actor: EXECUTOR_ACTOR, correlationId: uid },
                });
                version += 1;
              });
              return appending.catch((error: unknown) => {
                fenced ??= error;
                throw error;
              });
            },
          };
          const result = await executeStepAttempt({ state, activation, step, attempt, run: { ...key, uid }, signal }, deps);
          // Cancelled or shutting down: record nothing; the next decision (or replica) takes over.
          if (signal.aborted) return { kind: 'stopped' };
          // The stream moved under us (another replica has the run): not the step's failure.
          if (fenced) throw fenced;
          if ('pending' in result) return { kind: 'idle' };
          carried = afterAttempt(activation, step, attempt, result, Date.now()) as RunEvent[];
          continue;
        }
      }
    }
  }

  private async startEvents(run: Resource): Promise<RunEvent[]> {
    const namespace = run.metadata.namespace ?? 'default';
    const spec = (run.spec ?? {}) as { workflowRef?: unknown; input?: unknown };
    let workflowKey: ResourceKey;
    try {
      workflowKey = parseReference(spec.workflowRef, { kind: 'Workflow', defaultNamespace: namespace });
    } catch (error) {
      return [{ type: 'RunFailed', data: { error: { type: 'InvalidWorkflowRef', message: (error as Error).message } } }];
    }
    const workflow = await this.options.store.get(workflowKey);
    if (!workflow) {
      return [{ type: 'RunFailed', data: { error: { type: 'WorkflowNotFound', message: `Workflow ${workflowKey.namespace}.${workflowKey.name} does not exist` } } }];
    }
    return [
      {
        type: 'RunStarted',
        data: {
          workflow: { namespace: workflowKey.namespace, name: workflowKey.name, uid: workflow.metadata.uid },
          workflowSpec: (workflow.spec ?? {}) as Record<string, unknown>,
          input: spec.input ?? null,
        },
      },
    ];
  }

  /** Appends at the version of the log read so far (fences a replica that lost the run) and keeps the log current. */
  private async append(streamId: string, held: HeldRun, events: RunEvent[]): Promise<RecordedEvent[]> {
    const uid = streamId.split(':')[3];
    const result = await this.events.append(streamId, events as never, {
      expectedVersion: held.log.at(-1)?.streamVersion ?? 0,
      metadata: { actor: EXECUTOR_ACTOR, correlationId: uid },
    });
    held.log.push(...result.events);
    for (const event of events) this.options.logger?.info({ run: streamId, type: event.type, ...stepOf(event) }, 'run event');
    return result.events;
  }

  /** Creates the child run once (its name derives from the parent and step), then reports its end. */
  private async childRun(parent: Resource, stepId: string, workflow: ResourceKey, input: unknown): Promise<AttemptResult | { pending: true }> {
    const namespace = parent.metadata.namespace ?? 'default';
    const key = { kind: 'WorkflowRun', namespace, name: childRunName(parent.metadata.name, stepId) };
    let child = await this.options.store.get(key);
    if (!child) {
      child = await this.options.store.patch(
        key,
        (current) =>
          current ?? {
            apiVersion: API_GROUP_VERSION,
            kind: 'WorkflowRun',
            metadata: {
              name: key.name,
              namespace,
              ownerReferences: [{ apiVersion: API_GROUP_VERSION, kind: 'WorkflowRun', name: parent.metadata.name, uid: parent.metadata.uid ?? '', controller: true }],
            },
            spec: { workflowRef: `${workflow.namespace}.${workflow.name}`, input },
          },
        this.ctx,
        { createIfMissing: true },
      );
    }
    return childRunResult(child) ?? { pending: true };
  }
}

/** What one advance keeps between passes: the run's stream read so far and its status writer. */
interface HeldRun {
  uid?: string;
  log: RecordedEvent[];
  writer?: StatusWriter;
  /** Agents and Tools, read once per advance. */
  resources: ResourceCache;
  /** The stream may have events `log` does not (first pass, re-check, items recorded). */
  streamStale: boolean;
}

function stepOf(event: RunEvent): Record<string, unknown> {
  const data = event.data as { stepId?: string; attempt?: number };
  return data.stepId === undefined ? {} : { stepId: data.stepId, attempt: data.attempt };
}

export function toRunEvent(event: RecordedEvent): TimedRunEvent {
  return { type: event.type, data: event.data, at: event.createdAt } as unknown as TimedRunEvent;
}
