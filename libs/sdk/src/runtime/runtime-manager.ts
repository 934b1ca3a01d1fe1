import { DEFAULT_NAMESPACE, parseReference } from '@kastra/api';
import { ConnectedBackend, type ConnectedOptions } from '../connected/connected-backend';
import type { Controller } from '../controllers/controller';
import { EmbeddedBackend, isPostgresStore, type EmbeddedOptions } from '../embedded/embedded-backend';
import { EventBus } from '../events/event-bus';
import type { KastraLanguageModel } from '../language-model/kastra-language-model';
import { parseManifests } from '../manifests/parse-manifests';
import { readManifestFiles } from '../manifests/read-manifest-files';
import type { RuntimeResource } from '../resources/runtime-resource';
import type { ResourceName, RuntimeBackend } from './runtime-backend';
import type { AgentHandle, NetworkHandle, ResourceWatch, ToolHandle, WatchHandler, WorkflowHandle } from './runtime-handles';

/**
 * Embedded (no `gateway`): everything runs in this process. Connected (`gateway` and `token`): a
 * cluster's api-gateway does the work.
 */
export interface RuntimeManagerOptions extends EmbeddedOptions, Partial<ConnectedOptions> {
  /** Where a name without a namespace lives. @default default */
  namespace?: string;
  /** The event bus the runtime publishes on (share one between runtimes and controllers). @default a new one */
  eventBus?: EventBus;
}

/**
 * Kastra's manifests from TypeScript, one API in two modes: `new RuntimeManager()` runs them in
 * this process (validated by the API server's schemas, judged by the controller-manager's
 * reconcilers, agents through the agent runtime straight to the providers, workflows with the
 * workflow-executor's step logic, networks with the network-router's), and
 * `new RuntimeManager({ gateway, token })` sends the same calls to a cluster.
 */
export class RuntimeManager {
  readonly eventBus: EventBus;
  private readonly backend: RuntimeBackend;
  private readonly namespace: string;

  constructor(options: RuntimeManagerOptions = {}) {
    this.eventBus = options.eventBus ?? new EventBus();
    this.namespace = options.namespace ?? DEFAULT_NAMESPACE;
    if (options.store !== undefined && options.store !== 'memory' && !isPostgresStore(options.store)) {
      throw new TypeError(`store ${JSON.stringify(options.store)} is not supported: give 'memory' or a postgres:// URL`);
    }
    if (options.gateway !== undefined) {
      if (options.store !== undefined) throw new TypeError('store is for an embedded runtime: a connected one keeps its state in the cluster');
      this.backend = new ConnectedBackend({ gateway: options.gateway, token: options.token ?? '', ca: options.ca, llmProxy: options.llmProxy });
    } else {
      if (options.token !== undefined) throw new TypeError('a token without a gateway: give gateway too to connect to a cluster');
      this.backend = new EmbeddedBackend(this.eventBus, options);
    }
  }

  /** `embedded` or `connected`. */
  get mode(): 'embedded' | 'connected' {
    return this.backend.mode;
  }

  /** Applies every manifest of a file, or of every .yaml/.yml/.json file under a folder; answers the applied objects. */
  async loadFromFile(path: string): Promise<RuntimeResource[]> {
    return this.applyAll(await readManifestFiles(path));
  }

  /** Applies every manifest of a YAML (or JSON) text, multi-document; answers the applied objects. */
  async loadFromString(yaml: string): Promise<RuntimeResource[]> {
    return this.applyAll(parseManifests(yaml));
  }

  /** Creates or updates one resource (a server-side apply); answers it as stored, with its status. */
  async applyResource(resource: RuntimeResource): Promise<RuntimeResource> {
    const [applied] = await this.applyAll([resource]);
    return applied;
  }

  async deleteResource(kind: string, name: string): Promise<void> {
    await this.backend.delete(this.key(kind, name));
  }

  /** The resource as it is now (status included), or undefined. `name` is `namespace.name` or `name`. */
  getResource(kind: string, name: string): Promise<RuntimeResource | undefined> {
    return this.backend.get(this.key(kind, name));
  }

  /** Every resource of the kind (of `namespace`, or of all namespaces when unset). */
  listResources(kind: string, options: { namespace?: string } = {}): Promise<RuntimeResource[]> {
    return this.backend.list(kind, options.namespace);
  }

  /** The current objects of the kind as ADDED, then every change; `stop()` ends it. */
  watch(kind: string, handler: WatchHandler, options: { namespace?: string } = {}): ResourceWatch {
    return this.backend.watch(kind, options.namespace, handler);
  }

  /** The LLM as an AI SDK / Mastra language model (embedded: straight to the provider; connected: through llm-proxy). */
  getLLM(name: string): KastraLanguageModel {
    return this.backend.llm(this.key('LLM', name));
  }

  getAgent(name: string): AgentHandle {
    return this.backend.agent(this.key('Agent', name));
  }

  getTool(name: string): ToolHandle {
    return this.backend.tool(this.key('Tool', name));
  }

  getWorkflow(name: string): WorkflowHandle {
    return this.backend.workflow(this.key('Workflow', name));
  }

  getNetwork(name: string): NetworkHandle {
    return this.backend.network(this.key('Network', name));
  }

  /** Hands every resource of `kind` to `controller` as it is applied (custom kinds included, embedded). */
  registerController(kind: string, controller: Controller): void {
    this.backend.registerController(kind, controller as Controller);
  }

  /**
   * Resolves when the runtime can be used; rejects when it cannot (an embedded store on Postgres
   * that cannot be reached, or that another embedded runtime holds). Every awaited call waits for
   * it; only `getLLM`, which answers at once, needs it awaited first on a Postgres store.
   */
  ready(): Promise<void> {
    return this.backend.ready();
  }

  /** Stops watches and cancels what this runtime still runs; closes the connections to a Postgres store. */
  close(): Promise<void> {
    return this.backend.close();
  }

  private async applyAll(resources: RuntimeResource[]): Promise<RuntimeResource[]> {
    return this.backend.apply(
      resources.map((resource) =>
        resource && typeof resource === 'object' && resource.metadata && typeof resource.metadata === 'object' && !resource.metadata.namespace
          ? { ...resource, metadata: { ...resource.metadata, namespace: this.namespace } }
          : resource,
      ),
    );
  }

  private key(kind: string, name: string): ResourceName {
    const key = parseReference(name, { kind, defaultNamespace: this.namespace });
    return { kind, namespace: key.namespace, name: key.name };
  }
}

/** A runtime (embedded unless `options` names a gateway) with the manifests of a file or folder applied. */
export async function loadFromFile(path: string, options: RuntimeManagerOptions = {}): Promise<RuntimeManager> {
  const runtime = new RuntimeManager(options);
  await runtime.loadFromFile(path);
  return runtime;
}

/** A runtime (embedded unless `options` names a gateway) with the manifests of `yaml` applied. */
export async function loadFromString(yaml: string, options: RuntimeManagerOptions = {}): Promise<RuntimeManager> {
  const runtime = new RuntimeManager(options);
  await runtime.loadFromString(yaml);
  return runtime;
}
