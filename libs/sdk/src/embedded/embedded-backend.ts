import { DEFAULT_NAMESPACE, findBuiltinKind, findKindByName, keyOf, validateObjectMeta, validateResource, type FieldCause, type Resource } from '@kastra/api';
import type { AgentEvent, AgentInput } from '@kastra/agent-runtime';
import type { Controller, ControllerContext } from '../controllers/controller';
import { NotFoundError, RunFailedError } from '../errors/kastra-errors';
import type { EventBus } from '../events/event-bus';
import { languageModelOf } from '../language-model/yaml-to-mastra-llm';
import type { KastraLanguageModel } from '../language-model/kastra-language-model';
import { ValidationError } from '../language-model/validation-error';
import type { RuntimeResource } from '../resources/runtime-resource';
import { notReadyError } from '../runtime/readiness';
import type { ResourceName, RuntimeBackend } from '../runtime/runtime-backend';
import { agentAnswerOf, agentInputOf } from '../runtime/agent-call';
import type {
  AgentHandle,
  AgentStreamEvent,
  NetworkHandle,
  ResourceWatch,
  RunEventRecord,
  ToolHandle,
  WatchHandler,
  WorkflowHandle,
  WorkflowResult,
} from '../runtime/runtime-handles';
import { asyncQueue } from '../runtime/async-queue';
import { EmbeddedAgentRunner } from './embedded-agent-runner';
import { EmbeddedReconciliation } from './embedded-reconciliation';
import { EmbeddedResourceStore, redacted, type StoreChange } from './embedded-resource-store';
import { EmbeddedWorkflowHost } from './embedded-workflow-host';
import type { RunState } from '@kastra/workflow-runtime';
import { EmbeddedNetworkHost } from './embedded-network-host';
import { PostgresEmbeddedStore } from './postgres-embedded-store';

export interface EmbeddedOptions {
  /** Where `${VAR}` keys and providers' default keys are read. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Per tool call limit. @default 30000 */
  toolTimeoutMs?: number;
  /**
   * Where the runtime keeps resources, run events and agent memory: `memory` (lost when the process
   * exits) or a `postgres://` URL (kept with the services' event store and resource store, read
   * back by the next runtime on the same URL). @default memory
   */
  store?: 'memory' | `postgres://${string}` | `postgresql://${string}`;
}

/** Whether `store` names a Postgres database. */
export function isPostgresStore(store: unknown): store is `postgres://${string}` | `postgresql://${string}` {
  return typeof store === 'string' && /^postgres(ql)?:\/\//.test(store);
}

/**
 * Everything in this process: the store, the controller-manager's reconcilers, the agent runtime
 * calling providers directly, the workflow-executor's step logic over an in-memory log.
 */
export class EmbeddedBackend implements RuntimeBackend {
  readonly mode = 'embedded' as const;
  private readonly store: EmbeddedResourceStore;
  private readonly reconciliation: EmbeddedReconciliation;
  private readonly agents: EmbeddedAgentRunner;
  private readonly workflows: EmbeddedWorkflowHost;
  private readonly networks: EmbeddedNetworkHost;
  private readonly controllers = new Map<string, Controller>();
  private readonly env: NodeJS.ProcessEnv;
  private readonly closing = new AbortController();
  private readonly postgres?: PostgresEmbeddedStore;
  /** Settles when the kept objects are read back and judged again (at once without a kept store). */
  private readonly opened: Promise<void>;
  private isOpen = false;

  constructor(private readonly bus: EventBus, options: EmbeddedOptions = {}) {
    this.env = options.env ?? process.env;
    if (isPostgresStore(options.store)) this.postgres = new PostgresEmbeddedStore(options.store, this.env);
    this.store = new EmbeddedResourceStore((change) => this.publish(change), this.postgres);
    this.reconciliation = new EmbeddedReconciliation(this.store, this.env);
    this.agents = new EmbeddedAgentRunner(this.store, this.env, options.toolTimeoutMs, this.postgres?.memory);
    const onEvent = (run: Resource, event: { type: string; data: unknown; at?: string }) => this.bus.publish(`run.${run.kind}`, { run: `${run.metadata.namespace}.${run.metadata.name}`, event });
    this.workflows = new EmbeddedWorkflowHost(this.store, this.agents, { onEvent }, this.postgres);
    this.networks = new EmbeddedNetworkHost(this.store, this.agents, this.workflows, { onEvent }, this.postgres);
    this.opened = this.open();
    this.opened.catch(() => undefined);
  }

  /** Resolves once the runtime can be used: its kept objects read back and their status judged again. */
  ready(): Promise<void> {
    return this.opened;
  }

  private async open(): Promise<void> {
    if (!this.postgres) {
      this.isOpen = true;
      return;
    }
    await this.store.load();
    // Ready is judged again: references, Secrets and keys may have changed while the app was stopped.
    await this.reconciliation.settle();
    this.isOpen = true;
  }

  async apply(resources: RuntimeResource[]): Promise<RuntimeResource[]> {
    await this.opened;
    // Every manifest is checked before any is stored: a folder with one bad file changes nothing.
    const manifests = resources.map((resource) => this.validated(resource));
    const applied: Resource[] = [];
    for (const manifest of manifests) applied.push((await this.store.apply(manifest)).object);
    await this.reconciliation.settle();
    for (const object of applied) await this.runController(object);
    return applied.map((object) => redacted(this.store.getNow(keyOf(object)) ?? object) as RuntimeResource);
  }

  async delete(key: ResourceName): Promise<void> {
    await this.opened;
    const removed = await this.store.delete(key);
    if (!removed) throw new NotFoundError(key.kind, key.namespace, key.name);
    await this.controllers.get(key.kind)?.cleanup?.(removed as RuntimeResource);
    await this.reconciliation.settle();
  }

  async get(key: ResourceName): Promise<RuntimeResource | undefined> {
    await this.opened;
    const object = this.store.getNow(key);
    return object ? (redacted(object) as RuntimeResource) : undefined;
  }

  async list(kind: string, namespace?: string): Promise<RuntimeResource[]> {
    await this.opened;
    return this.store.listNow(kind, namespace).map((object) => redacted(object) as RuntimeResource);
  }

  watch(kind: string, namespace: string | undefined, handler: WatchHandler): ResourceWatch {
    const start = () => {
      // As a watch from resourceVersion 0: the current objects as ADDED, then every change.
      for (const object of this.store.listNow(kind, namespace)) handler({ type: 'ADDED', object: redacted(object) as RuntimeResource });
      return this.bus.subscribe<StoreChange>(`resource.${kind}`, (change) => {
        if (namespace === undefined || change.object.metadata.namespace === namespace) handler({ type: change.type, object: change.object as RuntimeResource });
      });
    };
    if (this.isOpen) {
      const subscription = start();
      return { ready: Promise.resolve(), stop: () => subscription.unsubscribe() };
    }
    // The kept objects are not read yet: the watch starts once they are.
    let stopped = false;
    let subscription: ReturnType<typeof start> | undefined;
    const ready = this.opened.then(() => {
      if (!stopped) subscription = start();
    });
    return { ready, stop: () => ((stopped = true), subscription?.unsubscribe()) };
  }

  llm(key: ResourceName): KastraLanguageModel {
    const resource = this.require(key);
    return languageModelOf(resource, { env: this.env, resolveSecret: (ref) => this.store.secretValueNow(ref.namespace, ref.name, ref.key) });
  }

  agent(key: ResourceName): AgentHandle {
    const name = `${key.namespace}.${key.name}`;
    const ready = () => this.requireReady(key);
    const call = (input: string | Parameters<AgentHandle['generate']>[0], onEvent?: (event: AgentEvent) => void) =>
      ready().then((agent) => this.agents.generate(agent, agentInputOf(input) as AgentInput, { onEvent, signal: this.closing.signal }));
    return {
      name,
      generate: async (input) => agentAnswerOf(await call(input)),
      stream: (input) => {
        const queue = asyncQueue<AgentStreamEvent>();
        call(input, (event) => queue.push(event as AgentStreamEvent)).then(
          () => queue.end(),
          (error: unknown) => queue.fail(error),
        );
        return queue.iterable;
      },
    };
  }

  tool(key: ResourceName): ToolHandle {
    return {
      name: `${key.namespace}.${key.name}`,
      execute: async (input) => this.agents.executeTool(await this.requireReady(key), input, { signal: this.closing.signal }),
    };
  }

  workflow(key: ResourceName): WorkflowHandle {
    const settle = (run: Resource, state: RunState): WorkflowResult => workflowResult(run, state);
    return {
      name: `${key.namespace}.${key.name}`,
      execute: async (input, options) => {
        const workflow = await this.requireReady(key);
        const { run, state } = await this.workflows.start(workflow, input, anySignal(this.closing.signal, options?.signal));
        return settle(run, state);
      },
      stream: (input, options) => {
        const queue = asyncQueue<RunEventRecord>();
        this.requireReady(key)
          .then((workflow) => this.workflows.start(workflow, input, anySignal(this.closing.signal, options?.signal), { onEvent: (event) => queue.push(event as unknown as RunEventRecord) }))
          .then(
            () => queue.end(),
            (error: unknown) => queue.fail(error),
          );
        return queue.iterable;
      },
      resume: async (run, stepId, payload, options) => {
        const { run: resource, state } = await this.workflows.resume({ kind: 'WorkflowRun', namespace: key.namespace, name: run }, stepId, payload, anySignal(this.closing.signal, options?.signal));
        return settle(resource, state);
      },
    };
  }

  network(key: ResourceName): NetworkHandle {
    return {
      name: `${key.namespace}.${key.name}`,
      generate: async (message, options) => this.networks.generate(await this.requireReady(key), message, { ...options, signal: this.closing.signal }),
      stream: (message, options) => {
        const queue = asyncQueue<RunEventRecord>();
        this.requireReady(key)
          .then((network) => this.networks.generate(network, message, { ...options, signal: this.closing.signal, onEvent: (event) => queue.push(event as unknown as RunEventRecord) }))
          .then(
            () => queue.end(),
            // A failed run has been streamed to its NetworkRunFailed: the stream ends there.
            (error: unknown) => (error instanceof RunFailedError ? queue.end() : queue.fail(error)),
          );
        return queue.iterable;
      },
    };
  }

  registerController(kind: string, controller: Controller): void {
    this.controllers.set(kind, controller);
    controller.watch();
    // Objects already there are handed over (once the kept ones are read); a failure is published, as nobody awaits it.
    const handOver = () => {
      for (const object of this.store.listNow(kind)) {
        this.runController(object).catch((error: unknown) => this.bus.publish(`${kind.toLowerCase()}.failed`, { resource: redacted(object), error }));
      }
    };
    if (this.isOpen) handOver();
    else this.opened.then(handOver, () => undefined);
  }

  async close(): Promise<void> {
    this.closing.abort('runtime closed');
    await this.postgres?.close();
  }

  /** The manifest as the API server would accept it, or a ValidationError naming each field. */
  private validated(resource: RuntimeResource): Resource {
    const manifest = resource as unknown as Resource;
    const kind = typeof manifest?.kind === 'string' ? manifest.kind : '';
    const name = typeof manifest?.metadata?.name === 'string' ? manifest.metadata.name : '';
    const plural = findKindByName(kind)?.plural ?? `${kind.toLowerCase()}s`;
    let causes: FieldCause[];
    if (!findBuiltinKind(kind) && this.controllers.has(kind)) {
      // A kind of the application's own: its controller judges the spec; the envelope is checked here.
      causes = validateObjectMeta(manifest.metadata);
      if (typeof manifest.apiVersion !== 'string' || !manifest.apiVersion.includes('/')) {
        causes.unshift({ reason: 'FieldValueRequired', field: 'apiVersion', message: 'Required value: group/version of the kind, e.g. example.com/v1' });
      }
    } else causes = validateResource(manifest);
    if (causes.length > 0) throw new ValidationError(plural, name, causes);
    return { ...manifest, metadata: { ...manifest.metadata, namespace: manifest.metadata.namespace || DEFAULT_NAMESPACE } };
  }

  private require(key: ResourceName): Resource {
    if (!this.isOpen) throw new Error('the runtime is still reading its store: await rt.ready() (or any awaited call) first');
    const resource = this.store.getNow(key);
    if (!resource) throw new NotFoundError(key.kind, key.namespace, key.name);
    return resource;
  }

  private async requireReady(key: ResourceName): Promise<Resource> {
    await this.opened;
    const resource = this.require(key);
    const problem = await notReadyError(resource, async (ref) => this.store.getNow(ref));
    if (problem) throw problem;
    return resource;
  }

  private async runController(object: Resource): Promise<void> {
    const controller = this.controllers.get(object.kind);
    if (!controller) return;
    const current = this.store.getNow(keyOf(object));
    if (!current) return;
    const context: ControllerContext = {
      updateStatus: async (status) => {
        await this.store.updateStatus(keyOf(current), status as Resource['status'] & object);
      },
      getResource: async (kind, name) => {
        const [namespace, objectName] = name.includes('.') ? name.split('.', 2) : [current.metadata.namespace ?? DEFAULT_NAMESPACE, name];
        const found = this.store.getNow({ kind, namespace, name: objectName });
        return found ? (redacted(found) as RuntimeResource) : undefined;
      },
    };
    await controller.reconcile(current as RuntimeResource, context);
  }

  private publish(change: StoreChange): void {
    this.bus.publish(`resource.${change.object.kind}`, change);
  }
}

/** A settled run as execute answers it: RunFailedError when it failed or was cancelled. */
function workflowResult(run: Resource, state: RunState): WorkflowResult {
  const name = run.metadata.name;
  if (state.phase === 'Succeeded') return { output: state.output, run: name, status: 'Succeeded' };
  if (state.phase === 'Suspended') {
    const step = state.activations[state.activations.length - 1];
    return { run: name, status: 'Suspended', suspended: { stepId: step?.stepId ?? '', ...(step?.resumeMessage ? { message: step.resumeMessage } : {}) } };
  }
  throw new RunFailedError(name, state.phase, state.error?.stepId, { type: state.error?.type ?? 'RunFailed', message: state.error?.message ?? 'the run failed' });
}

function anySignal(...signals: Array<AbortSignal | undefined>): AbortSignal {
  return AbortSignal.any(signals.filter((signal): signal is AbortSignal => signal !== undefined));
}
