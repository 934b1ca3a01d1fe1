import { findKindByName, generatedRunName, keyOf, type Resource } from '@kastra/api';
import type { Controller, ControllerContext } from '../controllers/controller';
import { KastraApiError, NotFoundError, RunFailedError } from '../errors/kastra-errors';
import { languageModelOf } from '../language-model/yaml-to-mastra-llm';
import type { KastraLanguageModel } from '../language-model/kastra-language-model';
import type { RuntimeResource } from '../resources/runtime-resource';
import { agentAnswerOf, agentInputOf } from '../runtime/agent-call';
import { notReadyError } from '../runtime/readiness';
import type { ResourceName, RuntimeBackend } from '../runtime/runtime-backend';
import type {
  AgentAnswer,
  AgentHandle,
  AgentStreamEvent,
  NetworkCallOptions,
  NetworkHandle,
  NetworkResult,
  ResourceWatch,
  RunEventRecord,
  ToolHandle,
  WatchHandler,
  WorkflowHandle,
  WorkflowResult,
} from '../runtime/runtime-handles';
import { errorFromStatus, type KubernetesStatus } from '../errors/status-errors';
import { GatewayHttp, type GatewayConnection } from './gateway-http';

export interface ConnectedOptions extends GatewayConnection {
  /** llm-proxy's URL, for `getLLM` (models called through the proxy as the token's user). */
  llmProxy?: string;
}

/** Who the SDK's server-side applies are made as (`?fieldManager=`). */
const FIELD_MANAGER = 'kastra-sdk';
/** First and longest wait before a cut watch connects again. */
const WATCH_RETRY_MS = 500;
const WATCH_RETRY_MAX_MS = 30_000;
/** Run events after which a run will not change without someone acting. */
const SETTLING_EVENTS = new Set(['RunSucceeded', 'RunFailed', 'RunCancelled', 'RunSuspended']);

/**
 * A cluster through its api-gateway: applies are server-side applies, reads and watches the REST
 * API, agent calls `POST …/agents/NAME/generate`, workflows `…/workflows/NAME/execute`, networks
 * `…/networks/NAME/generate` — all as the token's user, so RBAC decides what this process may do.
 * The runs are the cluster's: durable, on the workflow-executor and network-router.
 */
export class ConnectedBackend implements RuntimeBackend {
  readonly mode = 'connected' as const;
  private readonly http: GatewayHttp;
  /** Resources this runtime applied or read: what getLLM builds its model from. */
  private readonly known = new Map<string, Resource>();
  private readonly watches = new Set<ResourceWatch>();

  constructor(private readonly options: ConnectedOptions) {
    if (!options.token) throw new TypeError('a connected runtime needs a token (kastra token …)');
    this.http = new GatewayHttp(options);
  }

  async apply(resources: RuntimeResource[]): Promise<RuntimeResource[]> {
    const applied: RuntimeResource[] = [];
    for (const resource of resources) {
      const key = this.keyOf(resource);
      const { body } = await this.http.json<Resource>({
        method: 'PATCH',
        path: this.objectPath(key),
        query: { fieldManager: FIELD_MANAGER, force: 'true' },
        body: resource,
        contentType: 'application/apply-patch+yaml',
        resource: key,
      });
      this.remember(body);
      applied.push(body as RuntimeResource);
    }
    return applied;
  }

  async delete(key: ResourceName): Promise<void> {
    await this.http.json({ method: 'DELETE', path: this.objectPath(key), resource: key });
    this.known.delete(cacheKey(key));
  }

  async get(key: ResourceName): Promise<RuntimeResource | undefined> {
    const { status, body } = await this.http.json<Resource>({ method: 'GET', path: this.objectPath(key), resource: key }, (code) => code < 300 || code === 404);
    if (status === 404) return undefined;
    this.remember(body);
    return body as RuntimeResource;
  }

  async list(kind: string, namespace?: string): Promise<RuntimeResource[]> {
    const { body } = await this.http.json<{ items?: Resource[] }>({ method: 'GET', path: this.collectionPath(kind, namespace) });
    const items = body.items ?? [];
    items.forEach((item) => this.remember({ ...item, kind, apiVersion: item.apiVersion ?? this.apiVersion(kind) }));
    return items.map((item) => ({ ...item, kind, apiVersion: item.apiVersion ?? this.apiVersion(kind) }) as RuntimeResource);
  }

  watch(kind: string, namespace: string | undefined, handler: WatchHandler): ResourceWatch {
    const stop = new AbortController();
    let ready!: () => void;
    let failed!: (error: unknown) => void;
    const readyPromise = new Promise<void>((resolve, reject) => ((ready = resolve), (failed = reject)));
    readyPromise.catch(() => undefined);
    const run = async () => {
      let resourceVersion = '0';
      let delayMs = WATCH_RETRY_MS;
      while (!stop.signal.aborted) {
        try {
          const opened = () => {
            ready();
            delayMs = WATCH_RETRY_MS;
          };
          for await (const line of this.http.lines({ method: 'GET', path: this.collectionPath(kind, namespace), query: { watch: 'true', resourceVersion }, signal: stop.signal }, opened)) {
            const event = JSON.parse(line) as { type: string; object: Resource };
            if (event.type === 'ERROR') {
              resourceVersion = '0'; // too old: start again from the current objects
              break;
            }
            if (event.type === 'BOOKMARK') continue;
            resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
            this.remember(event.object);
            handler({ type: event.type as 'ADDED' | 'MODIFIED' | 'DELETED', object: event.object as RuntimeResource });
          }
        } catch (error) {
          if (stop.signal.aborted) return;
          // Refused (401, 403, 404…): trying again changes nothing. Anything else (the gateway
          // restarting, the connection cut): connect again, from the last version seen.
          if (error instanceof KastraApiError && error.code < 500) throw error;
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          delayMs = Math.min(delayMs * 2, WATCH_RETRY_MAX_MS);
        }
      }
    };
    run().catch((error: unknown) => {
      if (!stop.signal.aborted) failed(error);
    });
    const watch: ResourceWatch = {
      ready: readyPromise,
      stop: () => {
        stop.abort();
        this.watches.delete(watch);
      },
    };
    this.watches.add(watch);
    return watch;
  }

  llm(key: ResourceName): KastraLanguageModel {
    if (!this.options.llmProxy) throw new TypeError('getLLM in a connected runtime calls models through llm-proxy: give its URL as the llmProxy option');
    const resource = this.known.get(cacheKey(key));
    if (!resource) {
      throw new NotFoundError(key.kind, key.namespace, key.name, `LLM "${key.namespace}.${key.name}" is not known to this runtime yet: load or apply it, or read it with getResource('LLM', '${key.namespace}.${key.name}') first`);
    }
    return languageModelOf(resource, { llmProxy: this.options.llmProxy, token: this.options.token });
  }

  agent(key: ResourceName): AgentHandle {
    const path = `${this.objectPath(key)}/generate`;
    const body = (input: Parameters<AgentHandle['generate']>[0]) => agentInputOf(input);
    return {
      name: `${key.namespace}.${key.name}`,
      generate: async (input) => {
        const request = body(input);
        try {
          const { body: answer } = await this.http.json<AgentAnswer>({ method: 'POST', path, body: request, resource: key });
          return agentAnswerOf(answer);
        } catch (error) {
          throw await this.notReadyInstead(error, key);
        }
      },
      stream: (input) => this.agentStream(key, path, body(input)),
    };
  }

  tool(key: ResourceName): ToolHandle {
    return {
      name: `${key.namespace}.${key.name}`,
      execute: async () => {
        throw new KastraApiError(`tools run inside the cluster's agents and workflows; the gateway has no endpoint to run Tool ${key.namespace}.${key.name} alone`, 405, 'MethodNotAllowed');
      },
    };
  }

  workflow(key: ResourceName): WorkflowHandle {
    return {
      name: `${key.namespace}.${key.name}`,
      execute: async (input, options) => {
        await this.requireReady(key);
        const { body } = await this.http.json<{ run: string; phase: string; output?: unknown; suspended?: WorkflowResult['suspended'] }>({
          method: 'POST',
          path: `${this.objectPath(key)}/execute`,
          query: { timeoutSeconds: String(options?.timeoutSeconds ?? 60) },
          ...(input !== undefined ? { body: input } : {}),
          signal: options?.signal,
          resource: key,
        });
        return settled(body);
      },
      stream: (input, options) => this.workflowStream(key, input, options?.signal),
      resume: async (run, stepId, payload, options) => {
        const runKey = { kind: 'WorkflowRun', namespace: key.namespace, name: run };
        await this.http.json({ method: 'POST', path: `${this.objectPath(runKey)}/resume`, body: { stepId, payload }, resource: runKey });
        // The run as it is now is still suspended at stepId: wait until the executor has moved past it.
        const movedOn = (resource: Resource) => ((resource.status?.steps ?? {}) as Record<string, { state?: string }>)[stepId]?.state !== 'Suspended';
        return settled(await this.waitSettled(runKey, options?.timeoutSeconds ?? 60, options?.signal, movedOn));
      },
    };
  }

  network(key: ResourceName): NetworkHandle {
    return {
      name: `${key.namespace}.${key.name}`,
      generate: async (message, options) => {
        await this.requireReady(key);
        const { body } = await this.http.json<{ run: string; output?: unknown; route?: NetworkResult['route'] }>({
          method: 'POST',
          path: `${this.objectPath(key)}/generate`,
          query: { timeoutSeconds: String(options?.timeoutSeconds ?? 60) },
          body: { message, ...(options?.threadId ? { threadId: options.threadId } : {}), ...(options?.maxSteps ? { maxSteps: options.maxSteps } : {}) },
          resource: key,
        });
        return { output: body.output, route: body.route ?? [], run: body.run };
      },
      stream: (message, options) => this.networkStream(key, message, options),
    };
  }

  private networkStream(key: ResourceName, message: string, options: NetworkCallOptions = {}): AsyncIterable<RunEventRecord> {
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        await self.requireReady(key);
        const frames = self.http.events({
          method: 'POST',
          path: `${self.objectPath(key)}/generate`,
          query: { timeoutSeconds: String(options.timeoutSeconds ?? 60) },
          body: { message, ...(options.threadId ? { threadId: options.threadId } : {}), ...(options.maxSteps ? { maxSteps: options.maxSteps } : {}) },
          resource: key,
        });
        for await (const frame of frames) {
          if (frame.event === 'error') throw errorFromStatus(frame.data as KubernetesStatus, (frame.data as KubernetesStatus).code ?? 500, key);
          const recorded = frame.data as { type: string; data: Record<string, unknown>; createdAt?: string };
          yield { type: recorded.type, data: recorded.data, ...(recorded.createdAt ? { at: recorded.createdAt } : {}) };
        }
      },
    };
  }

  registerController(kind: string, controller: Controller): void {
    if (!findKindByName(kind)) throw new KastraApiError(`the gateway serves no kind ${kind}: a connected runtime can run controllers only for the cluster's kinds`, 404, 'NotFound');
    controller.watch();
    this.watch(kind, undefined, (event) => {
      const resource = event.object;
      if (event.type === 'DELETED') {
        void controller.cleanup?.(resource)?.catch(() => undefined);
        return;
      }
      const key = this.keyOf(resource);
      const context: ControllerContext = {
        updateStatus: async (status) => {
          await this.http.json({ method: 'PATCH', path: `${this.objectPath(key)}/status`, body: { status }, contentType: 'application/merge-patch+json', resource: key });
        },
        getResource: async (otherKind, name) => {
          const [namespace, objectName] = name.includes('.') ? name.split('.', 2) : [key.namespace, name];
          return this.get({ kind: otherKind, namespace, name: objectName });
        },
      };
      void controller.reconcile(resource, context).catch(() => undefined);
    });
  }

  /** A connected runtime is usable at once: the cluster keeps the state. */
  async ready(): Promise<void> {}

  async close(): Promise<void> {
    for (const watch of [...this.watches]) watch.stop();
  }

  private agentStream(key: ResourceName, path: string, request: unknown): AsyncIterable<AgentStreamEvent> {
    const http = this.http;
    const notReady = (error: unknown) => this.notReadyInstead(error, key);
    return {
      async *[Symbol.asyncIterator]() {
        try {
          for await (const frame of http.events({ method: 'POST', path, query: { stream: 'true' }, body: request, resource: key })) {
            if (frame.event === 'error') throw errorFromStatus(frame.data as KubernetesStatus, (frame.data as KubernetesStatus).code ?? 500, key);
            if (frame.event === 'finish') yield { type: 'finish', result: agentAnswerOf(frame.data as AgentAnswer) };
            else yield frame.data as AgentStreamEvent;
          }
        } catch (error) {
          throw await notReady(error);
        }
      },
    };
  }

  private workflowStream(key: ResourceName, input: unknown, signal?: AbortSignal): AsyncIterable<RunEventRecord> {
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        await self.requireReady(key);
        const runKey = { kind: 'WorkflowRun', namespace: key.namespace, name: generatedRunName(key.name) };
        await self.http.json({
          method: 'POST',
          path: self.collectionPath('WorkflowRun', key.namespace),
          body: { apiVersion: self.apiVersion('WorkflowRun'), kind: 'WorkflowRun', metadata: { name: runKey.name, namespace: key.namespace }, spec: { workflowRef: { name: key.name }, ...(input !== undefined ? { input } : {}) } },
        });
        for await (const frame of self.http.events({ method: 'GET', path: `${self.objectPath(runKey)}/events`, query: { follow: 'true' }, signal, resource: runKey })) {
          if (frame.event === 'error') throw errorFromStatus(frame.data as KubernetesStatus, (frame.data as KubernetesStatus).code ?? 500, runKey);
          const recorded = frame.data as { type: string; data: Record<string, unknown>; createdAt?: string };
          yield { type: recorded.type, data: recorded.data, ...(recorded.createdAt ? { at: recorded.createdAt } : {}) };
          if (SETTLING_EVENTS.has(recorded.type)) return;
        }
      },
    };
  }

  /** Watches a run until it ends or suspends; answers as execute does. */
  private async waitSettled(key: ResourceName, timeoutSeconds: number, signal?: AbortSignal, accept: (run: Resource) => boolean = () => true): Promise<{ run: string; phase: string; output?: unknown; error?: { type: string; message: string; stepId?: string } }> {
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), timeoutSeconds * 1000);
    signal?.addEventListener('abort', () => stop.abort(), { once: true });
    try {
      const query = { watch: 'true', resourceVersion: '0', fieldSelector: `metadata.name=${key.name}` };
      for await (const line of this.http.lines({ method: 'GET', path: this.collectionPath(key.kind, key.namespace), query, signal: stop.signal })) {
        const event = JSON.parse(line) as { type: string; object: Resource };
        const phase = event.object?.status?.phase as string | undefined;
        if (phase && ['Succeeded', 'Failed', 'Cancelled', 'Suspended'].includes(phase) && accept(event.object)) {
          return { run: key.name, phase, output: event.object.status?.output, error: event.object.status?.error as never };
        }
      }
    } catch (error) {
      if (!stop.signal.aborted) throw error;
    } finally {
      clearTimeout(timer);
    }
    throw new KastraApiError(`run ${key.name} did not settle within ${timeoutSeconds}s; it goes on in the cluster`, 504, 'Timeout');
  }

  /** The gateway's 409 for a resource that is not Ready, as NotReadyError naming what is missing. */
  private async notReadyInstead(error: unknown, key: ResourceName): Promise<unknown> {
    if (!(error instanceof KastraApiError) || error.code !== 409 || error instanceof RunFailedError) return error;
    const resource = await this.get(key).catch(() => undefined);
    if (!resource) return error;
    return (await notReadyError(resource as Resource, (ref) => this.get(ref) as Promise<Resource | undefined>)) ?? error;
  }

  private async requireReady(key: ResourceName): Promise<void> {
    const resource = await this.get(key);
    if (!resource) throw new NotFoundError(key.kind, key.namespace, key.name);
    const problem = await notReadyError(resource as Resource, (ref) => this.get(ref) as Promise<Resource | undefined>);
    if (problem) throw problem;
  }

  private remember(resource: Resource | undefined): void {
    if (resource?.metadata?.name && resource.kind) this.known.set(cacheKey(this.keyOf(resource as RuntimeResource)), resource);
  }

  private keyOf(resource: RuntimeResource): ResourceName {
    if (!resource || typeof resource.kind !== 'string' || typeof resource.metadata?.name !== 'string') {
      throw new KastraApiError('a manifest needs kind and metadata.name', 400, 'BadRequest');
    }
    return keyOf({ ...(resource as unknown as Resource), metadata: { ...resource.metadata, namespace: resource.metadata.namespace || 'default' } });
  }

  private apiVersion(kind: string): string {
    const definition = findKindByName(kind);
    return definition ? `${definition.group}/${definition.version}` : 'mastra.ai/v1';
  }

  private collectionPath(kind: string, namespace?: string): string {
    const definition = findKindByName(kind);
    if (!definition) throw new KastraApiError(`the gateway serves no kind ${kind}`, 404, 'NotFound');
    const scope = definition.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    return `/apis/${definition.group}/${definition.version}${scope}/${definition.plural}`;
  }

  private objectPath(key: ResourceName): string {
    return `${this.collectionPath(key.kind, key.namespace)}/${encodeURIComponent(key.name)}`;
  }
}

function cacheKey(key: ResourceName): string {
  return `${key.kind}/${key.namespace}/${key.name}`;
}

/** An execute answer as the SDK's result; a failed or cancelled run is RunFailedError. */
function settled(body: { run: string; phase: string; output?: unknown; suspended?: WorkflowResult['suspended']; error?: { type: string; message: string; stepId?: string } }): WorkflowResult {
  if (body.phase === 'Succeeded') return { output: body.output, run: body.run, status: 'Succeeded' };
  if (body.phase === 'Suspended') return { run: body.run, status: 'Suspended', ...(body.suspended ? { suspended: body.suspended } : {}) };
  throw new RunFailedError(body.run, body.phase, body.error?.stepId, { type: body.error?.type ?? 'RunFailed', message: body.error?.message ?? 'the run failed' });
}
