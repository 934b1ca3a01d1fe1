import { API_GROUP_VERSION, parseReference, type Resource, type ResourceKey } from '@kastra/api';
import { EventStore, readStream, type RecordedEvent } from '@kastra/event-store';
import type { ResourceStore, WriteContext } from '@kastra/resource-store';
import {
  childRunName,
  CoalescingStatusWriter,
  DEFAULT_MAX_OUTPUT_BYTES,
  isRefusedByLog,
  outputProblem,
  ResourceCache,
  RUN_KINDS,
  runCreator,
  RunOutputError,
  StepGate,
  type AdvanceOutcome,
  type RunAdvancer,
} from '@kastra/run-engine';
import type { Logger } from '@kastra/telemetry';
import type { Pool } from 'pg';
import {
  afterAttempt,
  childRunResult,
  current,
  decide,
  DEFAULT_MAX_CRASHES,
  executeStepAttempt,
  foldRunEvents,
  isTerminal,
  refusedResult,
  runStatus,
  type AttemptResult,
  type Decision,
  type RunControl,
  type RunEvent,
  type RunState,
  type StepActivation,
  type StepExecutionDeps,
  type StepInvoker,
  type TimedRunEvent,
  type WorkflowStep,
} from '@kastra/workflow-runtime';
import { runStreamId } from './run-stream';

/** Who the executor's own writes are made by (child runs among them). */
export const EXECUTOR_ACTOR = RUN_KINDS.WorkflowRun.engineActor;

export interface WorkflowRunAdvancerOptions {
  pool: Pool;
  store: ResourceStore;
  invoker: StepInvoker;
  replica: string;
  logger?: Logger;
  /** Hook for tests and metrics: a step attempt is about to start / has been recorded. */
  onStepStarted?: (run: ResourceKey, stepId: string, scheduledAt: string, startedAt: string) => void;
  /** Starts of a step in a row that may end with no result before the run fails. @default 3 */
  maxCrashes?: number;
  /** Largest step or item output, as JSON bytes. @default 8 MiB */
  maxOutputBytes?: number;
  /**
   * How long a run's changed status may wait before it is written while the run is held (the end
   * of an advance writes it at once): a run that ends sooner gets one status write, not one per
   * transition. @default 50 ms
   */
  statusDelayMs?: number;
}

const DEFAULT_STATUS_DELAY_MS = 50;

/** How one pass of an advance ended: the advance ends, the run is read again, or it goes on (with an attempt's result to append). */
type PassEnd = { kind: 'end'; outcome: AdvanceOutcome } | { kind: 'reread' } | { kind: 'next'; carried?: PendingResult };

function end(outcome: AdvanceOutcome): PassEnd {
  return { kind: 'end', outcome };
}

/** The attempt whose result an advance has not appended yet. */
interface PendingResult {
  activation: StepActivation;
  step: WorkflowStep;
  attempt: number;
  events: RunEvent[];
}

/**
 * Advances one WorkflowRun as far as it can go under its lock (held by the run engine): read the
 * stream, decide, append, execute, append — until the run ends, waits (retry backoff), or needs
 * the world (resume, a child run). Every append names the stream version it was decided on, so a
 * replica that lost its lock without knowing (a paused process) cannot write over another's progress.
 */
export class WorkflowRunAdvancer implements RunAdvancer {
  private readonly events: EventStore;
  private readonly ctx: WriteContext = { actor: EXECUTOR_ACTOR };
  /** Which steps of this process are in flight together (a suspect step runs alone). */
  readonly gate = new StepGate();

  constructor(private readonly options: WorkflowRunAdvancerOptions) {
    this.events = new EventStore(options.pool);
  }

  private get maxOutputBytes(): number {
    return this.options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  }

  /**
   * `recheck()` says (once) that something about the run may have changed since it was read — a
   * work message came for it while this advance held it (a spec patch: resume, cancel; a child
   * run ended). The run is then read again before the next decision, and before the lock goes.
   */
  async advance(key: ResourceKey, signal: AbortSignal, recheck: () => boolean = () => false): Promise<AdvanceOutcome> {
    const held: HeldRun = { log: [], resources: new ResourceCache(this.options.store), streamStale: true };
    try {
      return await this.advanceHeld(key, signal, recheck, held);
    } finally {
      if (held.gate !== undefined) this.gate.leave(held.gate === 'isolated');
      // Before the lock goes: the status is the projection of everything appended.
      await held.writer?.flush();
    }
  }

  private async advanceHeld(key: ResourceKey, signal: AbortSignal, recheck: () => boolean, held: HeldRun): Promise<AdvanceOutcome> {
    // The outcome of the last attempt, not yet appended: it goes in one append with what follows.
    let carried: PendingResult | undefined;
    // The run resource is read once per advance, and again only when a work message for it came
    // meanwhile: under the lock nothing else appends to its stream, and a cancel also arrives by
    // broadcast (it aborts `signal`), so re-reading it before every step only cost queries.
    let run: Resource | undefined;
    for (;;) {
      if (signal.aborted) {
        // Cancelled: an unrecorded result is dropped (RunCancelled wins). Shutting down: the
        // result is real, so it is kept (else the step would run again, counted as a crash).
        if (carried && signal.reason === 'shutdown') await this.appendQuietly(held, carried.events);
        return { kind: 'stopped' };
      }
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
        Object.assign(held, { uid, streamId, log: [], writer: new CoalescingStatusWriter<RunState>(this.options.store, key, run, this.ctx, runStatus, { delayMs: this.options.statusDelayMs ?? DEFAULT_STATUS_DELAY_MS }), streamStale: true });
        carried = undefined;
      }
      // Only what was appended since the last read, and only when the log held here may be behind
      // (first pass, a re-check, items recorded while a step ran); our own appends are in it.
      if (held.streamStale) {
        held.log.push(...(await readStream(this.options.pool, streamId, held.log.at(-1)?.streamVersion ?? 0)));
        held.streamStale = false;
      }
      const control = (run.spec ?? {}) as RunControl;
      // A cancel that came while the step ran wins over its result (the run ends Cancelled).
      if (control.cancel) carried = undefined;
      const state = foldRunEvents(held.log.map(toRunEvent));
      // Not started yet: RunStarted goes in one append with what follows it (the first StepStarted).
      const starting = state.phase === 'Pending' && !isTerminal(state) ? await this.startEvents(run) : [];
      const { batch, decision } = this.decideAhead(held, [...starting, ...(carried?.events ?? [])], control, uid);
      const logLength = held.log.length;
      try {
        const next = await this.act(key, run, held, signal, recheck, batch, decision);
        if (next.kind === 'end') return next.outcome;
        if (next.kind === 'reread') run = undefined;
        carried = next.kind === 'next' ? next.carried : undefined;
      } catch (error) {
        // The log refused the attempt's result itself (an output Postgres cannot hold): appending
        // it again would fail forever and run the step again each time, so the attempt fails.
        if (!carried || held.log.length !== logLength || !isRefusedByLog(error)) throw error;
        this.options.logger?.warn({ run: streamId, stepId: carried.step.id, err: String(error) }, 'step result refused by the log; the attempt fails');
        carried = { ...carried, events: afterAttempt(carried.activation, carried.step, carried.attempt, refusedResult(error), Date.now()) as RunEvent[] };
      }
    }
  }

  /**
   * Decides as far as the log alone allows: transitions (step ended, next scheduled, run ended)
   * are folded locally and appended in ONE transaction with the next StepStarted, so a no-op step
   * costs one append instead of three. The decision is pure: if it throws, it would throw on every
   * advance (and drop the result before it each time), so the run fails with the error instead.
   */
  private decideAhead(held: HeldRun, carried: RunEvent[], control: RunControl, uid: string): { batch: RunEvent[]; decision: Decision } {
    const batch: RunEvent[] = [...carried];
    const limits = { maxCrashes: this.options.maxCrashes ?? DEFAULT_MAX_CRASHES };
    const fold = () => foldRunEvents([...held.log.map(toRunEvent), ...batch.map((event) => ({ ...event, at: new Date().toISOString() }) as TimedRunEvent)]);
    let state = fold();
    try {
      let decision = decide(state, control, uid, Date.now(), limits);
      while (decision.kind === 'events') {
        batch.push(...decision.events);
        state = fold();
        decision = decide(state, control, uid, Date.now(), limits);
      }
      return { batch, decision };
    } catch (error) {
      const stepId = current(state)?.stepId;
      batch.push({ type: 'RunFailed', data: { stepId, error: { type: 'InternalError', message: `the run could not go on: ${(error as Error).message ?? String(error)}` } } });
      return { batch, decision: { kind: 'done' } };
    }
  }

  /**
   * Appends the decided batch and acts on the decision. Returns how the advance ends, 'reread' to
   * look at the run again, or the result of the attempt it ran (to append with what follows).
   */
  private async act(
    key: ResourceKey,
    run: Resource,
    held: HeldRun,
    signal: AbortSignal,
    recheck: () => boolean,
    batch: RunEvent[],
    decision: Decision,
  ): Promise<PassEnd> {
    switch (decision.kind) {
      case 'events':
      case 'done':
      case 'idle':
      case 'wait': {
        if (batch.length > 0) await this.append(held, batch);
        held.writer!.offer(foldRunEvents(held.log.map(toRunEvent)));
        // A message came for the run while it was held (resume, child ended): look once more
        // before letting it go, instead of the message bouncing off the lock.
        if (recheck()) return { kind: 'reread' };
        if (decision.kind === 'wait') return end({ kind: 'wait', delayMs: Math.max(0, decision.untilMs - Date.now()) });
        return end({ kind: decision.kind === 'events' ? 'done' : decision.kind });
      }
      case 'execute': {
        const { activation, step, attempt } = decision;
        if (step.suspend) {
          await this.append(held, [
            ...batch,
            { type: 'RunSuspended', data: { stepId: step.id, message: step.suspend.message, resumeSchema: step.suspend.resumeSchema } },
          ]);
          return { kind: 'next' };
        }
        const isolated = decision.isolated === true;
        if (held.gate !== undefined && (isolated || held.gate === 'isolated' || this.gate.isolationWaiting)) {
          // A step boundary where the gate changes hands: record the result first, so no step of
          // this run is in flight in the log while another step runs alone.
          if (batch.length > 0) await this.append(held, batch.splice(0));
          this.gate.leave(held.gate === 'isolated');
          held.gate = undefined;
        }
        if (held.gate === undefined) {
          if (!(await this.gate.enter(isolated, signal))) {
            if (batch.length > 0) await this.appendQuietly(held, batch);
            return end({ kind: 'stopped' });
          }
          held.gate = isolated ? 'isolated' : 'shared';
        }
        // StepStarted is durable before the step's side effects begin.
        const started = await this.append(held, [
          ...batch,
          { type: 'StepStarted', data: { stepId: step.id, visit: activation.visit, attempt, replica: this.options.replica, ...(isolated ? { isolated } : {}) } },
        ]);
        this.options.onStepStarted?.(key, step.id, activation.scheduledAt, started[started.length - 1].createdAt);
        const state = foldRunEvents(held.log.map(toRunEvent));
        held.writer!.offer(state);
        const outcome = await this.runAttempt(key, run, held, signal, state, activation, step, attempt);
        if (outcome === 'stopped') {
          // Shut down while the step ran: not a crash of the step, it runs again elsewhere.
          if (signal.reason === 'shutdown') {
            await this.appendQuietly(held, [{ type: 'StepInterrupted', data: { stepId: step.id, visit: activation.visit, attempt, replica: this.options.replica } }]);
          }
          return end({ kind: 'stopped' });
        }
        if (outcome === 'pending') return end({ kind: 'idle' });
        return { kind: 'next', carried: { activation, step, attempt, events: afterAttempt(activation, step, attempt, outcome, Date.now()) as RunEvent[] } };
      }
    }
  }

  /** One attempt of the step, its items recorded as they finish. */
  private async runAttempt(
    key: ResourceKey,
    run: Resource,
    held: HeldRun,
    signal: AbortSignal,
    state: ReturnType<typeof foldRunEvents>,
    activation: StepActivation,
    step: WorkflowStep,
    attempt: number,
  ): Promise<AttemptResult | 'stopped' | 'pending'> {
    const uid = run.metadata.uid!;
    let version = held.log.at(-1)!.streamVersion;
    // Items finish concurrently (parallel, foreach): their appends go one at a time.
    let appending: Promise<void> = Promise.resolve();
    let fenced: unknown;
    const deps: StepExecutionDeps = {
      invoker: this.options.invoker,
      resources: held.resources,
      childRun: (workflow, input) => this.childRun(run, step.id, workflow, input),
      recordItem: (item, output) => {
        // An output the log cannot hold fails the step (its retry policy decides), as its own error would.
        const problem = outputProblem(output, this.maxOutputBytes);
        if (problem) return Promise.reject(problem);
        held.streamStale = true;
        appending = appending.then(async () => {
          await this.events.append(held.streamId!, [{ type: 'StepItemSucceeded', data: { stepId: step.id, visit: activation.visit, item, output } }], {
            expectedVersion: version,
            metadata: { actor: EXECUTOR_ACTOR, correlationId: uid },
          });
          version += 1;
        });
        return appending.catch((error: unknown) => {
          // Refused for what it holds: the step's failure. Fenced or unreachable: the advance's.
          if (!isRefusedByLog(error)) {
            fenced ??= error;
            throw error;
          }
          throw new RunOutputError('OutputNotStorable', `the output of ${item} could not be recorded: ${(error as Error).message}`);
        });
      },
    };
    const result = await executeStepAttempt({ state, activation, step, attempt, run: { ...key, uid }, signal }, deps);
    // Cancelled or shutting down: record nothing; the next decision (or replica) takes over.
    if (signal.aborted) return 'stopped';
    // The stream moved under us (another replica has the run) or the log is out of reach: not
    // the step's failure. The attempt runs again (counted as a start without an end).
    if (fenced) throw fenced;
    if ('pending' in result) return 'pending';
    if (result.ok) {
      const problem = outputProblem(result.output, this.maxOutputBytes);
      if (problem) return { ok: false, error: { type: problem.name, message: problem.message }, retryable: true };
    }
    return result;
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
    // Who the run acts as, from the log, kept with the run: every model call of it is theirs.
    // Both reads at once: a run's start waits for one round trip instead of two.
    const [workflow, createdBy] = await Promise.all([this.options.store.get(workflowKey), runCreator(this.options.pool, run)]);
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
          ...(createdBy ? { createdBy } : {}),
        },
      },
    ];
  }

  /** Appends at the version of the log read so far (fences a replica that lost the run) and keeps the log current. */
  private async append(held: HeldRun, events: RunEvent[]): Promise<RecordedEvent[]> {
    const streamId = held.streamId!;
    const result = await this.events.append(streamId, events as never, {
      expectedVersion: held.log.at(-1)?.streamVersion ?? 0,
      metadata: { actor: EXECUTOR_ACTOR, correlationId: held.uid },
    });
    held.log.push(...result.events);
    for (const event of events) this.options.logger?.info({ run: streamId, type: event.type, ...stepOf(event) }, 'run event');
    return result.events;
  }

  /** On the way out (shutdown): what can be recorded is, what cannot is decided again by the next owner. */
  private async appendQuietly(held: HeldRun, events: RunEvent[]): Promise<void> {
    try {
      await this.append(held, events);
    } catch (error) {
      this.options.logger?.warn({ run: held.streamId, err: String(error) }, 'could not record the run\'s state while stopping');
    }
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
  streamId?: string;
  /** This advance holds the process's step gate (a step of the run is, or may be, in flight). */
  gate?: 'shared' | 'isolated';
  log: RecordedEvent[];
  writer?: CoalescingStatusWriter<RunState>;
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
