import { API_GROUP_VERSION, generatedRunName, keyOf, type Resource, type ResourceKey } from '@kastra/api';
import {
  afterAttempt,
  current,
  decide,
  executeStepAttempt,
  foldRunEvents,
  runStatus,
  type AttemptResult,
  type RunControl,
  type RunEvent,
  type RunState,
  type StepInvoker,
  type TimedRunEvent,
} from '@kastra/workflow-runtime';
import type { EmbeddedResourceStore } from './embedded-resource-store';
import type { RunLog } from './run-log';

/** The replica name StepStarted records in an embedded run. */
const EMBEDDED_REPLICA = 'embedded';
/** A nested workflow step deeper than this fails (a workflow that runs itself). */
const MAX_NESTING = 10;

export interface RunObserver {
  /** Each event as it is recorded in the run's log. */
  onEvent?(run: Resource, event: TimedRunEvent): void;
}

/**
 * Runs WorkflowRuns in this process with the workflow-executor's step logic (libs/workflow-runtime):
 * the run's events are folded, `decide` says what is next, `executeStepAttempt` runs an attempt
 * and `afterAttempt` records its end — the same functions the executor's durable advancer calls.
 * What differs is the host: the run's log is an array in memory — also appended to the run's
 * stream when the runtime keeps a log (RunLog), which a suspended run is resumed from after a
 * restart; a run cut short by a crash is not resumed — a retry waits with a timer, and a nested workflow step runs its child
 * run to its end inline. The WorkflowRun resource and its status (the same projection) are kept in
 * the store, so `listResources('WorkflowRun')` and watches see runs as in a cluster.
 */
export class EmbeddedWorkflowHost {
  private readonly logs = new Map<string, TimedRunEvent[]>();
  private readonly listeners = new Map<string, (event: TimedRunEvent) => void>();

  constructor(
    private readonly store: EmbeddedResourceStore,
    private readonly invoker: StepInvoker,
    private readonly observer: RunObserver = {},
    private readonly runLog?: RunLog,
  ) {}

  /** Creates a WorkflowRun of `workflow` with `input` and advances it until it ends or suspends. */
  async start(workflow: Resource, input: unknown, signal: AbortSignal, options: { name?: string; depth?: number; onEvent?: (event: TimedRunEvent) => void } = {}): Promise<{ run: Resource; state: RunState }> {
    const name = options.name ?? generatedRunName(workflow.metadata.name);
    const depth = options.depth ?? 0;
    const namespace = workflow.metadata.namespace ?? 'default';
    const { object: run } = await this.store.apply({
      apiVersion: API_GROUP_VERSION,
      kind: 'WorkflowRun',
      metadata: { name, namespace, labels: { 'mastra.ai/workflow': workflow.metadata.name } },
      spec: { workflowRef: { name: workflow.metadata.name, namespace }, ...(input !== undefined ? { input } : {}) },
    });
    const log: TimedRunEvent[] = [];
    this.logs.set(run.metadata.uid!, log);
    if (options.onEvent) this.listeners.set(run.metadata.uid!, options.onEvent);
    await this.append(run, log, [
      {
        type: 'RunStarted',
        data: { workflow: { namespace, name: workflow.metadata.name, uid: workflow.metadata.uid }, workflowSpec: (workflow.spec ?? {}) as Record<string, unknown>, input: input ?? null },
      },
    ]);
    try {
      return await this.advance(run, {}, signal, depth);
    } finally {
      this.listeners.delete(run.metadata.uid!);
    }
  }

  /** Resumes a suspended run at `stepId` with `payload` (checked against the step's resumeSchema). */
  async resume(run: ResourceKey, stepId: string, payload: unknown, signal: AbortSignal): Promise<{ run: Resource; state: RunState }> {
    const resource = this.store.getNow(run);
    if (!resource) throw new Error(`WorkflowRun ${run.namespace}.${run.name} does not exist in this runtime`);
    // A run of an earlier process: its log is read back from the kept one.
    if (!this.logs.has(resource.metadata.uid ?? '') && this.runLog) {
      this.logs.set(resource.metadata.uid!, (await this.runLog.read('WorkflowRun', resource)) as unknown as TimedRunEvent[]);
    }
    return this.advance(resource, { resume: { [stepId]: payload } }, signal, 0);
  }

  /** The events of a run of this runtime, in order. */
  events(run: Resource): readonly TimedRunEvent[] {
    return this.logs.get(run.metadata.uid ?? '') ?? [];
  }

  private async advance(run: Resource, control: RunControl, signal: AbortSignal, depth: number): Promise<{ run: Resource; state: RunState }> {
    const uid = run.metadata.uid!;
    const log = this.logs.get(uid);
    if (!log) throw new Error(`the log of WorkflowRun ${run.metadata.name} is not in this process`);
    const key = { ...keyOf(run), uid };
    for (;;) {
      const state = foldRunEvents(log);
      const decision = decide(state, signal.aborted ? { ...control, cancel: true } : control, uid, Date.now());
      switch (decision.kind) {
        case 'events':
          await this.append(run, log, decision.events);
          // A resume payload is used once: what follows is decided on the log.
          if (decision.events.some((event) => event.type === 'RunResumed')) control = {};
          continue;
        case 'wait':
          await sleep(Math.max(0, decision.untilMs - Date.now()), signal);
          continue;
        case 'done':
        case 'idle':
          return { run: this.store.getNow(keyOf(run)) ?? run, state };
        case 'execute': {
          const { activation, step, attempt } = decision;
          if (step.suspend) {
            await this.append(run, log, [{ type: 'RunSuspended', data: { stepId: step.id, message: step.suspend.message, resumeSchema: step.suspend.resumeSchema } }]);
            continue;
          }
          await this.append(run, log, [{ type: 'StepStarted', data: { stepId: step.id, visit: activation.visit, attempt, replica: EMBEDDED_REPLICA } }]);
          const started = foldRunEvents(log);
          const result = await executeStepAttempt(
            { state: started, activation: current(started) ?? activation, step, attempt, run: key, signal },
            {
              invoker: this.invoker,
              resources: this.store,
              recordItem: (item, output) => this.append(run, log, [{ type: 'StepItemSucceeded', data: { stepId: step.id, visit: activation.visit, item, output } }]),
              childRun: (workflow, input) => this.childRun(run, step.id, workflow, input, signal, depth),
            },
          );
          if (signal.aborted) continue; // the next decision records the cancel
          if ('pending' in result) throw new Error('an embedded child run cannot be pending');
          await this.append(run, log, afterAttempt(activation, step, attempt, result, Date.now()));
          continue;
        }
      }
    }
  }

  /** A nested workflow step: its child run, run to its end here. */
  private async childRun(parent: Resource, stepId: string, key: ResourceKey, input: unknown, signal: AbortSignal, depth: number): Promise<AttemptResult> {
    if (depth + 1 > MAX_NESTING) {
      return { ok: false, error: { type: 'NestingLimitExceeded', message: `workflows nest more than ${MAX_NESTING} deep` }, retryable: false };
    }
    const workflow = this.store.getNow(key);
    if (!workflow) return { ok: false, error: { type: 'WorkflowNotFound', message: `Workflow ${key.namespace}.${key.name} does not exist` }, retryable: false };
    const { run, state } = await this.start(workflow, input, signal, { name: generatedRunName(`${parent.metadata.name}-${stepId}`), depth: depth + 1 });
    if (state.phase === 'Succeeded') return { ok: true, output: state.output };
    return {
      ok: false,
      error: { type: 'ChildRunFailed', message: `child run ${run.metadata.name} ${state.phase.toLowerCase()}: ${state.error?.message ?? ''}` },
      retryable: false,
    };
  }

  private async append(run: Resource, log: TimedRunEvent[], events: RunEvent[]): Promise<void> {
    const at = new Date().toISOString();
    await this.runLog?.append('WorkflowRun', run, events, log.length);
    for (const event of events) {
      const timed = { ...event, at } as TimedRunEvent;
      log.push(timed);
      this.observer.onEvent?.(run, timed);
      this.listeners.get(run.metadata.uid ?? '')?.(timed);
    }
    const stored = this.store.getNow(keyOf(run));
    if (stored) await this.store.updateStatus(keyOf(run), runStatus(foldRunEvents(log), stored.status?.conditions));
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
