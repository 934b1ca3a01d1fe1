import type { Pool } from 'pg';
import { API_GROUP_VERSION, parseReference, type Resource, type ResourceKey } from '@kastra/api';
import { LlmCallError, type LlmClient } from '@kastra/agent-runtime';
import { EventStore, readStream, type RecordedEvent } from '@kastra/event-store';
import {
  decideRoute,
  finishedTurns,
  foldNetworkRunEvents,
  memberTurnKey,
  networkRunStatus,
  planNetworkRun,
  routeCallKey,
  RouteDecisionError,
  DEFAULT_MAX_MEMBER_CRASHES,
  type NetworkRunAction,
  type NetworkRunEvent,
  type NetworkRunState,
  type RouteDecision,
} from '@kastra/network-runtime';
import type { NetworkState, NetworkStateStore } from '@kastra/network-state';
import type { ResourceStore, WriteContext } from '@kastra/resource-store';
import { childRunName, CoalescingStatusWriter, DEFAULT_MAX_OUTPUT_BYTES, outputProblem, ResourceCache, RUN_KINDS, runUsage, type AdvanceOutcome, type RunAdvancer } from '@kastra/run-engine';
import type { Logger } from '@kastra/telemetry';
import { AgentMemberRunner } from './agent-member-runner';
import { networkRunStartEvents } from './network-run-start';
import { networkRunStreamId, toNetworkRunEvent } from './network-run-stream';

/** Who the network-router's own writes are made by (child runs among them). */
export const ROUTER_ACTOR = RUN_KINDS.NetworkRun.engineActor;

/** How long after its end a run's status is written once more, with the usage recorded meanwhile. @default 1500 */
export const DEFAULT_USAGE_SETTLE_MS = 1500;

export interface NetworkRunAdvancerOptions {
  pool: Pool;
  store: ResourceStore;
  llm: LlmClient;
  members: AgentMemberRunner;
  states: NetworkStateStore;
  replica: string;
  logger?: Logger;
  /** Starts of an agent member turn that may end with no result before the run fails RouterCrashed. @default 3 */
  maxMemberCrashes?: number;
  /** Largest member output, as JSON bytes. @default 8 MiB */
  maxOutputBytes?: number;
  usageSettleMs?: number;
  /** Hook for tests and metrics: a member turn was recorded as started. */
  onMemberStarted?: (run: ResourceKey, step: number, member: string, attempt: number) => void;
}

/** What one advance keeps between passes. */
interface HeldRun {
  uid?: string;
  streamId?: string;
  log: RecordedEvent[];
  writer?: CoalescingStatusWriter<NetworkRunState>;
  resources: ResourceCache;
  streamStale: boolean;
}

/**
 * Advances one NetworkRun under its lock (held by the run engine): read the stream, plan
 * (@kastra/network-runtime), append, act — ask the router, run the member, record its result —
 * until the run ends or waits on a child run. Every decision and member start is appended before
 * what it causes, every result as soon as it is known, each at the stream version it was decided
 * on (a replica that lost the run cannot write over another's progress). A replica that takes
 * the run over continues from the log: a recorded decision is never asked again, a finished turn
 * never run again; a turn started and not finished runs again under the same idempotency key.
 */
export class NetworkRunAdvancer implements RunAdvancer {
  private readonly events: EventStore;
  private readonly ctx: WriteContext = { actor: ROUTER_ACTOR };

  constructor(private readonly options: NetworkRunAdvancerOptions) {
    this.events = new EventStore(options.pool);
  }

  async advance(key: ResourceKey, signal: AbortSignal, recheck: () => boolean = () => false): Promise<AdvanceOutcome> {
    const held: HeldRun = { log: [], resources: new ResourceCache(this.options.store), streamStale: true };
    try {
      return await this.advanceHeld(key, signal, recheck, held);
    } finally {
      await held.writer?.flush();
    }
  }

  private async advanceHeld(key: ResourceKey, signal: AbortSignal, recheck: () => boolean, held: HeldRun): Promise<AdvanceOutcome> {
    let run: Resource | undefined;
    for (;;) {
      if (signal.aborted) return { kind: 'stopped' };
      if (!run || recheck()) {
        run = await this.options.store.get(key);
        held.streamStale = true;
      }
      if (!run?.metadata.uid) return { kind: 'done' };
      const uid = run.metadata.uid;
      if (held.uid !== uid) {
        await held.writer?.flush().catch(() => undefined);
        const project = async (state: NetworkRunState, previous: Parameters<typeof networkRunStatus>[2]) => networkRunStatus(state, await runUsage(this.options.pool, uid), previous);
        Object.assign(held, { uid, streamId: networkRunStreamId(key.namespace, key.name, uid), log: [], writer: new CoalescingStatusWriter(this.options.store, key, run, this.ctx, project), streamStale: true });
      }
      if (held.streamStale) {
        held.log.push(...(await readStream(this.options.pool, held.streamId!, held.log.at(-1)?.streamVersion ?? 0)));
        held.streamStale = false;
      }
      const state = this.fold(held);
      const action = planNetworkRun(state, { cancel: (run.spec as { cancel?: boolean } | undefined)?.cancel === true }, { maxMemberCrashes: this.options.maxMemberCrashes ?? DEFAULT_MAX_MEMBER_CRASHES });
      const next = await this.act(key, run, held, state, action, signal);
      if (next === 'again') continue;
      if (next === 'reread') {
        run = undefined;
        continue;
      }
      // A message came for the run while it was held (cancel, a child ended): look once more.
      if (next.kind !== 'stopped' && recheck()) {
        run = undefined;
        continue;
      }
      return next;
    }
  }

  private async act(key: ResourceKey, run: Resource, held: HeldRun, state: NetworkRunState, action: NetworkRunAction, signal: AbortSignal): Promise<AdvanceOutcome | 'again' | 'reread'> {
    switch (action.kind) {
      case 'finished':
        return this.finished(run, held, state);
      case 'start':
        await this.append(held, await networkRunStartEvents(run, { pool: this.options.pool, resources: held.resources }));
        return 'again';
      case 'events':
        if (action.events.some((event) => event.type === 'NetworkRunCancelled')) await this.cancelChildInFlight(run, state);
        await this.append(held, action.events);
        return 'again';
      case 'route':
        return this.route(key, run, held, state, action.step, signal);
      case 'member':
        await this.append(held, [this.memberStarted(run, action)]);
        this.options.onMemberStarted?.(key, action.step, action.member.name, action.attempt);
        return this.runMember(run, held, action, signal);
      case 'await-child':
        return this.awaitChild(run, held, action.step, action.member.name, action.childRun);
    }
  }

  /** Asks the router for the decision of `step`; appends it with what follows from it in one append. */
  private async route(key: ResourceKey, run: Resource, held: HeldRun, state: NetworkRunState, step: number, signal: AbortSignal): Promise<AdvanceOutcome | 'again'> {
    const started = state.started!;
    const uid = run.metadata.uid!;
    // The state now: a read the log refuses is the advance's failure (retried), not the run's.
    const current = await this.openState(run, state).getAll();
    let decision: RouteDecision;
    try {
      const turns = finishedTurns(state).map((turn) => ({ decision: state.decisions.find((d) => d.step === turn.step)!, output: turn.output!.value }));
      const input = {
        network: started.network,
        instructions: started.instructions,
        members: started.members,
        task: started.message,
        history: started.history,
        turns,
        state: current,
        structuredOutput: started.router.structuredOutput,
      };
      const user = started.createdBy?.startsWith('user:') ? started.createdBy.slice('user:'.length) : (started.createdBy ?? ROUTER_ACTOR);
      const turn = await decideRoute(
        async (request, attempt) => {
          const completion = await this.options.llm.chat(request, { user, signal, idempotencyKey: routeCallKey(uid, step, attempt), runUid: uid });
          return textOf(completion.choices[0]?.message?.content);
        },
        started.router.model,
        input,
      );
      decision = turn.decision;
    } catch (error) {
      if (signal.aborted || (error instanceof LlmCallError && error.type === 'cancelled')) return { kind: 'stopped' };
      if (error instanceof RouteDecisionError) {
        await this.append(held, [{ type: 'NetworkRunFailed', data: { reason: error.reason, message: error.message, step } }]);
        return 'again';
      }
      // No llm-proxy answers (one restarting), or not the model's answer at all (the log, a bug):
      // not the run's fault, the engine tries again later.
      if (!(error instanceof LlmCallError) || (error.status === 503 && error.type === 'unavailable')) throw error;
      const message = `the router model call failed (${error.type}): ${error.message}`;
      await this.append(held, [{ type: 'NetworkRunFailed', data: { reason: 'RouterFailed', message, step } }]);
      return 'again';
    }
    if (signal.aborted) return { kind: 'stopped' };
    // The decision and what follows from it (the member's start, or the run's end) in one append.
    const batch: NetworkRunEvent[] = [{ type: 'RouteDecided', data: { step, ...decision } }];
    const after = planNetworkRun(this.fold(held, batch), {});
    if (after.kind === 'events') {
      await this.append(held, [...batch, ...after.events]);
      return 'again';
    }
    if (after.kind !== 'member') {
      await this.append(held, batch);
      return 'again';
    }
    await this.append(held, [...batch, this.memberStarted(run, after)]);
    this.options.onMemberStarted?.(key, after.step, after.member.name, after.attempt);
    return this.runMember(run, held, after, signal);
  }

  private memberStarted(run: Resource, action: Extract<NetworkRunAction, { kind: 'member' }>): NetworkRunEvent {
    const { step, member, input, attempt } = action;
    return {
      type: 'MemberStarted',
      data: { step, member: member.name, memberKind: member.kind, input, attempt, replica: this.options.replica, ...(member.kind === 'workflow' ? { childRun: childRunOf(run, step) } : {}) },
    };
  }

  /** One member turn, its MemberStarted recorded: an agent's loop here, a workflow's child run elsewhere. */
  private async runMember(run: Resource, held: HeldRun, action: Extract<NetworkRunAction, { kind: 'member' }>, signal: AbortSignal): Promise<AdvanceOutcome | 'again'> {
    const { step, member, input } = action;
    if (member.kind === 'workflow') {
      const child = await this.createChildRun(run, step, member.ref, input);
      return this.childResult(held, step, member.name, child);
    }
    const state = this.fold(held);
    const started = state.started!;
    let output: string;
    try {
      output = await this.options.members.run({
        agent: member.ref,
        input,
        threadId: started.threadId,
        actingAs: started.createdBy,
        runUid: run.metadata.uid!,
        idempotencyKey: memberTurnKey(run.metadata.uid!, step),
        state: this.openState(run, state),
        namespace: run.metadata.namespace ?? 'default',
        resources: held.resources,
        signal,
      });
    } catch (error) {
      // Cancelled or shutting down: nothing is recorded; the next decision (or replica) takes over.
      if (signal.aborted) return { kind: 'stopped' };
      await this.append(held, [{ type: 'MemberFailed', data: { step, member: member.name, error: errorOf(error) } }]);
      return 'again';
    }
    if (signal.aborted) return { kind: 'stopped' };
    const problem = outputProblem(output, this.options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
    if (problem) {
      await this.append(held, [{ type: 'MemberFailed', data: { step, member: member.name, error: { type: problem.name, message: problem.message } } }]);
      return 'again';
    }
    await this.append(held, [{ type: 'MemberFinished', data: { step, member: member.name, output } }]);
    return 'again';
  }

  private async awaitChild(run: Resource, held: HeldRun, step: number, member: string, childRun: string): Promise<AdvanceOutcome | 'again'> {
    const child = await this.options.store.get({ kind: 'WorkflowRun', namespace: run.metadata.namespace ?? 'default', name: childRun });
    if (!child || child.metadata.ownerReferences?.every((ref) => ref.uid !== run.metadata.uid)) {
      // Deleted under the run (or replaced by someone else's run of the same name): the turn failed.
      await this.append(held, [{ type: 'MemberFailed', data: { step, member, error: { type: 'ChildRunGone', message: `the child run ${childRun} no longer exists` } } }]);
      return 'again';
    }
    return this.childResult(held, step, member, child);
  }

  /** Records the end of a child run, or waits for it (its end wakes this run through the engine). */
  private async childResult(held: HeldRun, step: number, member: string, child: Resource): Promise<AdvanceOutcome | 'again'> {
    const status = child.status ?? {};
    switch (status.phase) {
      case 'Succeeded':
        await this.append(held, [{ type: 'MemberFinished', data: { step, member, output: status.output ?? null } }]);
        return 'again';
      case 'Failed':
      case 'Cancelled': {
        const error = status.error as { message?: string } | undefined;
        await this.append(held, [
          { type: 'MemberFailed', data: { step, member, error: { type: 'ChildRunFailed', message: `child run ${child.metadata.name} ${String(status.phase).toLowerCase()}${error?.message ? `: ${error.message}` : ''}` } } },
        ]);
        return 'again';
      }
      default:
        held.writer!.offer(this.fold(held));
        return { kind: 'idle' };
    }
  }

  /** The child WorkflowRun of a workflow member's turn, created once (its name derives from the run and step). */
  private async createChildRun(parent: Resource, step: number, workflowRef: string, input: string): Promise<Resource> {
    const namespace = parent.metadata.namespace ?? 'default';
    const key = { kind: 'WorkflowRun', namespace, name: childRunOf(parent, step) };
    const existing = await this.options.store.get(key);
    if (existing) return existing;
    return this.options.store.patch(
      key,
      (current) =>
        current ?? {
          apiVersion: API_GROUP_VERSION,
          kind: 'WorkflowRun',
          metadata: {
            name: key.name,
            namespace,
            ownerReferences: [{ apiVersion: API_GROUP_VERSION, kind: 'NetworkRun', name: parent.metadata.name, uid: parent.metadata.uid ?? '', controller: true }],
          },
          spec: { workflowRef, input: workflowInput(input) },
        },
      this.ctx,
      { createIfMissing: true },
    );
  }

  private async cancelChildInFlight(run: Resource, state: NetworkRunState): Promise<void> {
    const turn = state.turns.find((t) => t.childRun && !t.output && !t.error);
    if (!turn?.childRun) return;
    const key = { kind: 'WorkflowRun', namespace: run.metadata.namespace ?? 'default', name: turn.childRun };
    try {
      const child = await this.options.store.get(key);
      if (!child || ['Succeeded', 'Failed', 'Cancelled'].includes(String(child.status?.phase))) return;
      await this.options.store.patch(key, (current) => (current ? { ...current, spec: { ...(current.spec ?? {}), cancel: true } } : child), this.ctx);
    } catch (error) {
      this.options.logger?.warn({ child: turn.childRun, err: String(error) }, 'could not cancel the child run');
    }
  }

  /** The run has ended: its status once more a little later (usage of the last calls), its in-memory state dropped. */
  private finished(run: Resource, held: HeldRun, state: NetworkRunState): AdvanceOutcome {
    held.writer!.offer(state);
    if (state.started) {
      const network = parseReference(state.started.network, { kind: 'Network', defaultNamespace: run.metadata.namespace ?? 'default' });
      this.options.states.release({ namespace: network.namespace, network: network.name, thread: state.started.threadId, run: run.metadata.uid });
    }
    const settleMs = this.options.usageSettleMs ?? DEFAULT_USAGE_SETTLE_MS;
    const since = state.finishedAt ? Date.now() - Date.parse(state.finishedAt) : Number.POSITIVE_INFINITY;
    return since < settleMs ? { kind: 'wait', delayMs: settleMs - since + 50 } : { kind: 'done' };
  }

  private openState(run: Resource, state: NetworkRunState): NetworkState {
    const started = state.started!;
    const network = parseReference(started.network, { kind: 'Network', defaultNamespace: run.metadata.namespace ?? 'default' });
    return this.options.states.open({
      namespace: network.namespace,
      network: network.name,
      thread: started.threadId,
      persistence: started.state.persistence,
      ...(started.state.ttl ? { ttlSeconds: started.state.ttl } : {}),
      run: run.metadata.uid,
      actor: networkRunStreamId(run.metadata.namespace ?? 'default', run.metadata.name, run.metadata.uid ?? ''),
    });
  }

  private fold(held: HeldRun, extra: NetworkRunEvent[] = []): NetworkRunState {
    const at = new Date().toISOString();
    return foldNetworkRunEvents([...held.log.map(toNetworkRunEvent), ...extra.map((event) => ({ ...event, at }))]);
  }

  /** Appends at the version of the log read so far (fences a replica that lost the run), keeps the log and offers the status. */
  private async append(held: HeldRun, events: NetworkRunEvent[]): Promise<void> {
    if (events.length === 0) return;
    const result = await this.events.append(held.streamId!, events as never, {
      expectedVersion: held.log.at(-1)?.streamVersion ?? 0,
      metadata: { actor: ROUTER_ACTOR, correlationId: held.uid },
    });
    held.log.push(...result.events);
    for (const event of events) this.options.logger?.info({ run: held.streamId, type: event.type, step: (event.data as { step?: number }).step }, 'network run event');
    held.writer!.offer(this.fold(held));
  }
}

/** `<run>-step-<n>`: the child WorkflowRun of a workflow member's turn. */
function childRunOf(run: Resource, step: number): string {
  return childRunName(run.metadata.name, `step-${step}`);
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part) => (part && typeof part === 'object' && 'text' in part ? String((part as { text: unknown }).text) : '')).join('');
  return '';
}

function errorOf(error: unknown): { type: string; message: string } {
  if (error instanceof LlmCallError) return { type: `Llm${error.type.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase())}`, message: error.message };
  const e = error as { name?: string; message?: string };
  return { type: e?.name && e.name !== 'Error' ? e.name : 'MemberError', message: e?.message ?? String(error) };
}

/** The router's input for a workflow: a JSON object as it is, other text as a string. */
function workflowInput(input: string): unknown {
  const trimmed = input.trim();
  if (trimmed.startsWith('{')) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      // text
    }
  }
  return input;
}
