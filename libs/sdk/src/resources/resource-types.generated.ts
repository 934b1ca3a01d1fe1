// Generated from the kinds' JSON Schemas in @kastra/api by resource-type-generator.ts
// (`npm run sdk:pack` rewrites it). Do not edit by hand.
/* eslint-disable */

/** The kind this CRD adds. */
export interface CustomResourceDefinitionSpec {
  /** API group of the kind, a DNS subdomain with a dot, e.g. example.com. */
  group: string;
  /** The names of the kind. */
  names: {
    /** The kind, CamelCase, e.g. DataSource. */
    kind: string;
    /** The REST plural, lowercase, e.g. datasources. */
    plural: string;
    /** The singular, lowercase. @default the kind, lowercased */
    singular?: string;
    /** Short names for kubectl, e.g. ds. */
    shortNames?: string[];
    /** The kind of lists. @default <kind>List */
    listKind?: string;
    /** Categories for kubectl get <category>, e.g. all. */
    categories?: string[];
  };
  /** Namespaced or Cluster. */
  scope: "Namespaced" | "Cluster";
  /** The versions of the kind. */
  versions: Array<{
    /** The version, e.g. v1 or v1alpha1. */
    name: string;
    /** Whether this version is served. */
    served: boolean;
    /** Exactly one version is stored. */
    storage: boolean;
    /** Accepted; unused. */
    deprecated?: boolean;
    /** Accepted; unused. */
    deprecationWarning?: string;
    /** The schema of the objects. */
    schema?: {
      /** OpenAPI v3 structural schema of the whole object (spec, status, ...). */
      openAPIV3Schema?: {
        [key: string]: unknown;
      };
    };
    /** Subresources served beside the objects. */
    subresources?: {
      /** Serve status as a subresource: writes of the object ignore status and status writes ignore the rest. */
      status?: {
        [key: string]: unknown;
      };
      /** Accepted; not served. */
      scale?: {
        [key: string]: unknown;
      };
    };
    /** Columns of kubectl get. */
    additionalPrinterColumns?: Array<{
      /** Column header. */
      name: string;
      /** How the value is shown. */
      type: "integer" | "number" | "string" | "boolean" | "date";
      /** Accepted; unused. */
      format?: string;
      /** Simple JSONPath of the value, e.g. .spec.url. */
      jsonPath: string;
      /** What the column shows. */
      description?: string;
      /** 0 shows in the default table, more only with -o wide. */
      priority?: number;
    }>;
    /** Accepted; unused. */
    selectableFields?: Array<{
      [key: string]: unknown;
    }>;
  }>;
  /** Accepted; only conversion None (the apiVersion changes) is done. */
  conversion?: {
    [key: string]: unknown;
  };
  /** Must be false or absent. */
  preserveUnknownFields?: boolean;
}

/** Standard object metadata. */
export interface ObjectMeta {
  /** Name, unique per kind and namespace; a DNS-1123 label. */
  name: string;
  /** Accepted for kubectl compatibility; Kastra requires name. */
  generateName?: string;
  /** Namespace (any DNS-1123 label). @default default */
  namespace?: string;
  /** Labels used by label selectors; keys and values follow Kubernetes syntax. */
  labels?: Record<string, string>;
  /** Non-identifying metadata, e.g. kubectl last-applied-configuration. */
  annotations?: Record<string, string>;
  /** Server-set: unique id of this incarnation. */
  uid?: string;
  /** Server-set: version for optimistic concurrency. */
  resourceVersion?: string;
  /** Server-set: bumped on every spec change. */
  generation?: number;
  /** Server-set: RFC 3339 creation time. */
  creationTimestamp?: string;
  /** Server-set: when deletion was requested. */
  deletionTimestamp?: string;
  /** Accepted for compatibility; unused. */
  deletionGracePeriodSeconds?: number;
  /** Deprecated; accepted for compatibility. */
  selfLink?: string;
  /** Deletion waits until this list is empty. */
  finalizers?: string[];
  /** Owners of this object. */
  ownerReferences?: Array<{
    /** API version of the owner. */
    apiVersion: string;
    /** Kind of the owner. */
    kind: string;
    /** Name of the owner. */
    name: string;
    /** UID of the owner. */
    uid: string;
    /** True when the owner is the managing controller. */
    controller?: boolean;
    /** Owner deletion waits for this object to go. */
    blockOwnerDeletion?: boolean;
  }>;
  /** Server-side apply bookkeeping; accepted, not interpreted. */
  managedFields?: Array<{
    [key: string]: unknown;
  }>;
}

/** Observed state, written by the controller. */
export interface ResourceStatus {
  /** A one-word summary derived from the conditions. */
  phase?: string;
  /** The generation the controller last acted on. */
  observedGeneration?: number;
  /** Current conditions. */
  conditions?: Array<{
    /** Condition type, e.g. Ready or Succeeded. */
    type: string;
    /** True, False or Unknown. */
    status: "True" | "False" | "Unknown";
    /** CamelCase machine-readable reason. */
    reason?: string;
    /** What is wrong and what to do, for a person. */
    message?: string;
    /** When status last changed (RFC 3339). */
    lastTransitionTime?: string;
    /** The generation this condition was computed from. */
    observedGeneration?: number;
  }>;
  [key: string]: unknown;
}

/** A kind added at run time: its group, names, scope, versions and their structural schemas. Once Established, its objects are served like built-in ones. */
export interface CustomResourceDefinitionResource {
  /** apiextensions.k8s.io/v1 */
  apiVersion: "apiextensions.k8s.io/v1";
  /** Always CustomResourceDefinition. */
  kind: "CustomResourceDefinition";
  /** Standard object metadata. */
  metadata: ObjectMeta;
  /** The kind this CRD adds. */
  spec: CustomResourceDefinitionSpec;
  /** Conditions NamesAccepted and Established, and the accepted names. */
  status?: ResourceStatus;
}

/** The provider, model and credentials. */
export interface LLMSpec {
  /** The provider; `mock` needs no key. */
  provider: "openai" | "anthropic" | "google" | "groq" | "qwen" | "kimi" | "ollama" | "azure" | "openai-compatible" | "mock";
  /** The provider model name, e.g. gpt-4o. */
  model: string;
  /** An environment reference such as ${OPENAI_API_KEY}; literal keys belong in a Secret. */
  apiKey?: string;
  /** A key pool (environment references); llm-proxy rotates through it. */
  apiKeys?: string[];
  /** A key of a Secret in the same namespace. */
  secretRef?: {
    /** Name of the Secret. */
    name: string;
    /** Key within the Secret data. */
    key: string;
  };
  /** Provider options; unknown ones are passed to the provider adapter. */
  options?: {
    /** Sampling temperature. */
    temperature?: number;
    /** Upper bound of generated tokens. */
    maxTokens?: number;
    /** Nucleus sampling. */
    topP?: number;
    /** Provider endpoint, e.g. for qwen, ollama or azure. */
    baseURL?: string;
    /** Per-request timeout in milliseconds. */
    timeoutMs?: number;
    [key: string]: unknown;
  };
  /** Limits enforced by llm-proxy across all replicas. */
  rateLimits?: {
    /** Requests per minute (RPM). */
    requestsPerMinute?: number;
    /** Tokens per minute (TPM). */
    tokensPerMinute?: number;
  };
  /** LLM resources tried in order when this one fails or is rate limited. */
  fallbacks?: string[];
}

/** A language model at a provider, with the key to call it; registered with llm-proxy. */
export interface LLMResource {
  /** Always mastra.ai/v1. */
  apiVersion: "mastra.ai/v1";
  /** Always LLM. */
  kind: "LLM";
  /** Standard object metadata. */
  metadata: ObjectMeta;
  /** The provider, model and credentials. */
  spec: LLMSpec;
  /** Observed state, written by the controller. */
  status?: ResourceStatus;
}

/** What the tool does, its input and output, and exactly one executor. */
export interface ToolSpec {
  /** What the tool does; shown to the model. */
  description?: string;
  /** JSON Schema of the input. */
  inputSchema?: {
    [key: string]: unknown;
  };
  /** JSON Schema of the output. */
  outputSchema?: {
    [key: string]: unknown;
  };
  /** Call an HTTP endpoint with the input as JSON body (query string for GET). */
  http?: {
    /** The endpoint. */
    url: string;
    /** HTTP method. @default POST */
    method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
    /** Request headers; values from Secrets never appear in status or logs. */
    headers?: Record<string, string | {
      /** A key of a Secret in the same namespace. */
      secretRef: {
        /** Name of the Secret. */
        name: string;
        /** Key within the Secret data. */
        key: string;
      };
    }>;
  };
  /** Call a tool of a Model Context Protocol server. */
  mcp?: {
    /** The server: {url} (Streamable HTTP), or a stdio server the operator configured (KASTRA_MCP_COMMANDS): {stdio: <name>}, or {command, args} equal to a configured one; exactly one of url, stdio, command. */
    server: {
      /** Streamable HTTP endpoint (subject to the egress policy). */
      url?: string;
      /** Name of a stdio MCP server the operator configured in KASTRA_MCP_COMMANDS. */
      stdio?: string;
      /** Executable of a configured stdio server; command and args must equal a KASTRA_MCP_COMMANDS entry. */
      command?: string;
      /** Arguments of command. */
      args?: string[];
      /** Variables of the stdio server from Secrets; only names its KASTRA_MCP_COMMANDS entry lists in secretEnv. The server gets no other environment than these and the operator's. */
      env?: Record<string, {
        /** A key of a Secret in the same namespace. */
        secretRef: {
          /** Name of the Secret. */
          name: string;
          /** Key within the Secret data. */
          key: string;
        };
      }>;
    };
    /** The MCP tool name. */
    tool: string;
  };
  /** A tool built into the executors. */
  builtin?: "current-time" | "http-fetch" | "json-path";
  /** Sandboxed JavaScript: the body of an async function of `input` whose return value is the output. */
  script?: {
    /** Function body, e.g. `return { sum: input.a + input.b }`. */
    code: string;
    /** Run time limit. @default 1000 */
    timeoutMs?: number;
  };
}

/** A tool agents and workflow steps can call: an HTTP endpoint, an MCP tool, a built-in or a script. */
export interface ToolResource {
  /** Always mastra.ai/v1. */
  apiVersion: "mastra.ai/v1";
  /** Always Tool. */
  kind: "Tool";
  /** Standard object metadata. */
  metadata: ObjectMeta;
  /** What the tool does, its input and output, and exactly one executor. */
  spec: ToolSpec;
  /** Observed state, written by the controller. */
  status?: ResourceStatus;
}

/** What the agent is told, which model it thinks with and which tools it may call. */
export interface AgentSpec {
  /** What the agent is for; shown to network routers. */
  description?: string;
  /** The system prompt. */
  instructions: string;
  /** The model: a reference to an LLM resource, or an inline provider and model name. */
  model?: {
    /** An LLM resource: `namespace.name`, `name` or `llms/name`. */
    ref?: string;
    /** Inline model: the provider. */
    provider?: "openai" | "anthropic" | "google" | "groq" | "qwen" | "kimi" | "ollama" | "azure" | "openai-compatible" | "mock";
    /** Inline model: the provider model name, e.g. gpt-4o. */
    name?: string;
  };
  /** Tools the agent may call. */
  tools?: Array<{
    /** Name the model sees; also the Tool name when refName is unset. */
    name: string;
    /** The Tool resource: `namespace.name`, `name` or `tools/name`. @default name */
    refName?: string;
  }>;
  /** Conversation memory kept per thread. */
  memory?: {
    /** Keep memory. @default false */
    enabled?: boolean;
    /** Memory store, e.g. buffer or vector. @default buffer */
    type?: string;
    /** How many recent messages are sent with each call. @default 10 */
    lastMessages?: number;
  };
  /** Replica bounds for executors serving this agent. */
  scaling?: {
    /** Lower bound. @default 1 */
    minReplicas?: number;
    /** Upper bound. @default 1 */
    maxReplicas?: number;
  };
  /** Most model/tool round trips per call. @default 5 */
  maxSteps?: number;
}

/** An agent: instructions, a model, tools and memory. */
export interface AgentResource {
  /** Always mastra.ai/v1. */
  apiVersion: "mastra.ai/v1";
  /** Always Agent. */
  kind: "Agent";
  /** Standard object metadata. */
  metadata: ObjectMeta;
  /** What the agent is told, which model it thinks with and which tools it may call. */
  spec: AgentSpec;
  /** Observed state, written by the controller. */
  status?: ResourceStatus;
}

/** The steps and where to start. */
export interface WorkflowSpec {
  /** Display name. */
  name?: string;
  /** What the workflow does. */
  description?: string;
  /** Id of the first step. @default the first step */
  initialStep?: string;
  /** JSON Schema of the run input. */
  inputSchema?: {
    [key: string]: unknown;
  };
  /** The steps. */
  steps: Array<{
    /** Step id, unique in the workflow; `END` is reserved. */
    id: string;
    /** Display name. */
    name?: string;
    /** What the step does. */
    description?: string;
    /** The Agent to call: `name`, `namespace.name`, `agents/name` or {name, namespace}. */
    agent?: string | {
      /** Name of the referenced resource. */
      name: string;
      /** Namespace of the referenced resource. @default the referring namespace */
      namespace?: string;
    };
    /** The Tool to call: `name`, `namespace.name`, `tools/name` or {name, namespace}. */
    tool?: string | {
      /** Name of the referenced resource. */
      name: string;
      /** Namespace of the referenced resource. @default the referring namespace */
      namespace?: string;
    };
    /** A Workflow run as a nested (child) WorkflowRun: `name`, `namespace.name` or {name, namespace}. */
    workflow?: string | {
      /** Name of the referenced resource. */
      name: string;
      /** Namespace of the referenced resource. @default the referring namespace */
      namespace?: string;
    };
    /** Calls run concurrently. */
    parallel?: Array<{
      /** Id, unique within the step. */
      id: string;
      /** The Agent to call: `name`, `namespace.name`, `agents/name` or {name, namespace}. */
      agent?: string | {
        /** Name of the referenced resource. */
        name: string;
        /** Namespace of the referenced resource. @default the referring namespace */
        namespace?: string;
      };
      /** The Tool to call: `name`, `namespace.name`, `tools/name` or {name, namespace}. */
      tool?: string | {
        /** Name of the referenced resource. */
        name: string;
        /** Namespace of the referenced resource. @default the referring namespace */
        namespace?: string;
      };
      /** Input mapping, e.g. {type: user-input} (the run input) or {from: <output type or step id>}. */
      input?: {
        [key: string]: unknown;
      };
      /** Output description, e.g. {type: ingredients-list}; later steps read it with `from`. */
      output?: {
        [key: string]: unknown;
      };
    }>;
    /** Pause the run until it is resumed (human approval); the resume payload is the step output. */
    suspend?: {
      /** What the person resuming is asked. */
      message?: string;
      /** JSON Schema the resume payload must match. */
      resumeSchema?: {
        [key: string]: unknown;
      };
    };
    /** Run the call once per item of a list; the output is the list of outputs, in order. */
    foreach?: {
      /** Where the list is: `$.input.<path>` or `$.steps.<id>.output.<path>`. */
      items: string;
      /** Items run at the same time. @default 1 */
      concurrency?: number;
    };
    /** Repeat the call (each iteration gets the previous output as input) until a condition holds. */
    loop?: {
      /** A branch-style condition on `output` (and `iteration`) that ends the loop. */
      until: string;
      /** The cap; reaching it without the condition fails the step. */
      maxIterations: number;
    };
    /** Input mapping, e.g. {type: user-input} (the run input) or {from: <output type or step id>}. */
    input?: {
      [key: string]: unknown;
    };
    /** Output description, e.g. {type: ingredients-list}; later steps read it with `from`. */
    output?: {
      [key: string]: unknown;
    };
    /** Next step id or END. @default the following step in the list; END after the last */
    next?: string;
    /** Conditional next steps. */
    branches?: Array<{
      /** A test on the step context: `<path> <op> <JSON literal>` with op ==, !=, >, >=, <, <= (e.g. `output.category == "billing"`), or a bare `<path>` for truthiness (workflow-condition.ts). */
      condition: string;
      /** Step id to go to, or END. */
      next: string;
    }>;
    /** Retries of a failed step, with exponential backoff. */
    retry?: {
      /** Attempts in total, the first included. @default 1 */
      maxAttempts?: number;
      /** Wait before the first retry. @default 1000 */
      initialIntervalMs?: number;
      /** Each wait is this times the previous. @default 2 */
      backoffCoefficient?: number;
      /** Longest wait between attempts. @default 60000 */
      maxIntervalMs?: number;
    };
    /** Per-attempt limit, e.g. 30s, 500ms, 5m. */
    timeout?: string;
  }>;
}

/** A graph of steps, each calling an agent or a tool, run as WorkflowRuns. */
export interface WorkflowResource {
  /** Always mastra.ai/v1. */
  apiVersion: "mastra.ai/v1";
  /** Always Workflow. */
  kind: "Workflow";
  /** Standard object metadata. */
  metadata: ObjectMeta;
  /** The steps and where to start. */
  spec: WorkflowSpec;
  /** Observed state, written by the controller. */
  status?: ResourceStatus;
}

/** The members (agents, workflows), the router and the shared state. */
export interface NetworkSpec {
  /** What the network is for; given to the router. */
  instructions?: string;
  /** The agents the router can pick. */
  agents: Array<{
    /** Name the router sees; also the Agent name when ref is unset. Unique among agents and workflows; not `done`. */
    name: string;
    /** The Agent: `namespace.name`, `name` or `agents/name`. @default name */
    ref?: string;
    /** When to pick this member; shown to the router. @default the Agent's instructions */
    description?: string;
  }>;
  /** Workflows the router can pick besides the agents; each runs as a child WorkflowRun of the NetworkRun. */
  workflows?: Array<{
    /** Name the router sees; also the Workflow name when ref is unset. Unique among agents and workflows; not `done`. */
    name: string;
    /** The Workflow: `namespace.name`, `name` or `workflows/name`. @default name */
    ref?: string;
    /** When to pick this member; shown to the router. @default the Workflow's description */
    description?: string;
  }>;
  /** The model that routes between the members. */
  router: {
    /** The model: a reference to an LLM resource, or an inline provider and model name. */
    model: {
      /** An LLM resource: `namespace.name`, `name` or `llms/name`. */
      ref?: string;
      /** Inline model: the provider. */
      provider?: "openai" | "anthropic" | "google" | "groq" | "qwen" | "kimi" | "ollama" | "azure" | "openai-compatible" | "mock";
      /** Inline model: the provider model name, e.g. gpt-4o. */
      name?: string;
    };
    /** Most member turns per run. @default 10 */
    maxSteps?: number;
  };
  /** Network state shared by the agents of a run. */
  state?: {
    /** Keep state across runs of the same thread. @default false */
    persistence?: boolean;
    /** Seconds state is kept after its last change. @default 3600 */
    ttl?: number;
  };
}

/** Agents (and workflows) that collaborate: a router model picks the next member each step, sharing network state. */
export interface NetworkResource {
  /** Always mastra.ai/v1. */
  apiVersion: "mastra.ai/v1";
  /** Always Network. */
  kind: "Network";
  /** Standard object metadata. */
  metadata: ObjectMeta;
  /** The members (agents, workflows), the router and the shared state. */
  spec: NetworkSpec;
  /** Observed state, written by the controller. */
  status?: ResourceStatus;
}

/** The children, by kind. */
export interface SystemSpec {
  /** What the system does. */
  description?: string;
  /** LLM resources created in the System's namespace, owned by it. */
  llms?: Array<{
    /** Name of the LLM; siblings refer to it by this name. */
    name: string;
    /** Labels added to the child (besides mastra.ai/system). */
    labels?: Record<string, string>;
    /** The provider, model and credentials. */
    spec: LLMSpec;
  }>;
  /** Tool resources created in the System's namespace, owned by it. */
  tools?: Array<{
    /** Name of the Tool; siblings refer to it by this name. */
    name: string;
    /** Labels added to the child (besides mastra.ai/system). */
    labels?: Record<string, string>;
    /** What the tool does, its input and output, and exactly one executor. */
    spec: ToolSpec;
  }>;
  /** Agent resources created in the System's namespace, owned by it. */
  agents?: Array<{
    /** Name of the Agent; siblings refer to it by this name. */
    name: string;
    /** Labels added to the child (besides mastra.ai/system). */
    labels?: Record<string, string>;
    /** What the agent is told, which model it thinks with and which tools it may call. */
    spec: AgentSpec;
  }>;
  /** Workflow resources created in the System's namespace, owned by it. */
  workflows?: Array<{
    /** Name of the Workflow; siblings refer to it by this name. */
    name: string;
    /** Labels added to the child (besides mastra.ai/system). */
    labels?: Record<string, string>;
    /** The steps and where to start. */
    spec: WorkflowSpec;
  }>;
  /** Network resources created in the System's namespace, owned by it. */
  networks?: Array<{
    /** Name of the Network; siblings refer to it by this name. */
    name: string;
    /** Labels added to the child (besides mastra.ai/system). */
    labels?: Record<string, string>;
    /** The members (agents, workflows), the router and the shared state. */
    spec: NetworkSpec;
  }>;
  /** Objects of custom kinds (defined by CustomResourceDefinitions) created in the System's namespace, owned by it. */
  resources?: Array<{
    /** group/version the kind is served under, e.g. mastra.ai/v1alpha1. */
    apiVersion: string;
    /** The custom kind, e.g. DataSource. */
    kind: string;
    /** Name of the object; siblings refer to it by this name. */
    name: string;
    /** Labels added to the object (besides mastra.ai/system). */
    labels?: Record<string, string>;
    /** The object's spec, as its CustomResourceDefinition's schema describes it. */
    spec?: {
      [key: string]: unknown;
    };
  }>;
}

/** A group of agents, workflows, networks, tools, LLMs and objects of custom kinds declared inline and owned as one. */
export interface SystemResource {
  /** Always mastra.ai/v1. */
  apiVersion: "mastra.ai/v1";
  /** Always System. */
  kind: "System";
  /** Standard object metadata. */
  metadata: ObjectMeta;
  /** The children, by kind. */
  spec: SystemSpec;
  /** Observed state, written by the controller. */
  status?: ResourceStatus;
}

/** Sensitive values (API keys, tokens); encrypted at rest and never returned in clear. */
export interface SecretResource {
  /** Always mastra.ai/v1. */
  apiVersion: "mastra.ai/v1";
  /** Always Secret. */
  kind: "Secret";
  /** Standard object metadata. */
  metadata: ObjectMeta;
  /** How the data is used, e.g. Opaque. @default Opaque */
  type?: string;
  /** Values, base64-encoded, by key. */
  data?: Record<string, string>;
  /** Write-only plain values, merged into data (they win over data). */
  stringData?: Record<string, string>;
}

/** Which workflow to run, with what input; `cancel` and `resume` steer a run in flight. */
export interface WorkflowRunSpec {
  /** The Workflow to run: `name`, `namespace.name`, `workflows/name` or {name, namespace}. */
  workflowRef: string | {
    /** Name of the referenced resource. */
    name: string;
    /** Namespace of the referenced resource. @default the referring namespace */
    namespace?: string;
  };
  /** The run input (any JSON); steps read it with `input: {type: user-input}` or `$.input.<path>`. */
  input?: unknown;
  /** A caller key for the run; step idempotency keys derive from the run uid either way. */
  idempotencyKey?: string;
  /** Set to true (by patch) to cancel the run; steps in flight are aborted. @default false */
  cancel?: boolean;
  /** Resume payloads of suspended steps, by step id: `{<stepId>: <payload>}` (what `kastra resume` patches in). */
  resume?: {
    [key: string]: unknown;
  };
}

/** One execution of a Workflow: its input, and (in status) every step as the executor recorded it. */
export interface WorkflowRunResource {
  /** Always mastra.ai/v1. */
  apiVersion: "mastra.ai/v1";
  /** Always WorkflowRun. */
  kind: "WorkflowRun";
  /** Standard object metadata. */
  metadata: ObjectMeta;
  /** Which workflow to run, with what input; `cancel` and `resume` steer a run in flight. */
  spec: WorkflowRunSpec;
  /** Observed state, written by the controller. */
  status?: ResourceStatus;
}

/** Which network to run, on what task; `cancel` stops a run in flight. */
export interface NetworkRunSpec {
  /** The Network to run: `name`, `namespace.name`, `networks/name` or {name, namespace}. */
  networkRef: string | {
    /** Name of the referenced resource. */
    name: string;
    /** Namespace of the referenced resource. @default the referring namespace */
    namespace?: string;
  };
  /** The task, as the router and the first member read it. */
  message: string;
  /** A conversation: a later run of the same thread sees the earlier tasks and answers, its agents their memory of it, and (with spec.state.persistence) its state. @default the run uid */
  threadId?: string;
  /** Most member turns of this run; at most the Network's router.maxSteps (a larger value fails the run). @default router.maxSteps */
  maxSteps?: number;
  /** Set to true (by patch) to cancel the run; the member in flight is aborted. @default false */
  cancel?: boolean;
}

/** One execution of a Network: a task, routed step by step by its router model to its members until it answers. */
export interface NetworkRunResource {
  /** Always mastra.ai/v1. */
  apiVersion: "mastra.ai/v1";
  /** Always NetworkRun. */
  kind: "NetworkRun";
  /** Standard object metadata. */
  metadata: ObjectMeta;
  /** Which network to run, on what task; `cancel` stops a run in flight. */
  spec: NetworkRunSpec;
  /** Observed state, written by the controller. */
  status?: ResourceStatus;
}

/** How to run the controller and what it owns. */
export interface PluginSpec {
  /** What the plugin adds. */
  description?: string;
  /** The controller process: a Node module or a container image (exactly one). */
  controller: {
    /** A Node module run with node, relative to the directory of the Plugin manifest, e.g. ./controller.js. */
    module?: string;
    /** A container image running the controller, e.g. ghcr.io/acme/datasource-controller:1.2. */
    image?: string;
    /** Arguments of the process. */
    args?: string[];
    /** Environment variables of the process. */
    env?: Array<{
      /** Variable name. */
      name: string;
      /** Its value (not for credentials: they belong in Secrets). */
      value: string;
    }>;
  };
  /** The kinds the plugin reconciles. */
  owns: Array<{
    /** API group of the kind, e.g. mastra.ai or example.com. */
    apiGroup: string;
    /** Kind name, e.g. DataSource. */
    kind: string;
    /** REST plural, e.g. datasources. */
    plural: string;
  }>;
  /** CustomResourceDefinition manifests the plugin ships, relative to the directory of the Plugin manifest; applied before it starts. */
  crds?: string[];
}

/** An external controller: the process that reconciles some kinds, the kinds it owns and the CRDs it ships. */
export interface PluginResource {
  /** Always mastra.ai/v1. */
  apiVersion: "mastra.ai/v1";
  /** Always Plugin. */
  kind: "Plugin";
  /** Standard object metadata. */
  metadata: ObjectMeta;
  /** How to run the controller and what it owns. */
  spec: PluginSpec;
  /** Observed state, written by the controller. */
  status?: ResourceStatus;
}

/** A namespaced set of permissions; granted by RoleBindings in its namespace. */
export interface RoleResource {
  /** Always rbac.authorization.k8s.io/v1. */
  apiVersion: "rbac.authorization.k8s.io/v1";
  /** Always Role. */
  kind: "Role";
  /** Standard object metadata. */
  metadata: ObjectMeta;
  /** The permissions. */
  rules?: Array<{
    /** API groups of the resources ("" is the core group, mastra.ai Kastra's kinds, "*" all). */
    apiGroups?: string[];
    /** Resources (plurals such as llms, "workflows/execute" for a subresource, "*" all, "*\/status" a subresource of all). */
    resources?: string[];
    /** Only objects of these names (none: all). */
    resourceNames?: string[];
    /** get, list, watch, create, update, patch, delete, deletecollection, bind, escalate, or "*". */
    verbs: string[];
    /** Paths such as /version or /apis/* (ClusterRoles only). */
    nonResourceURLs?: string[];
  }>;
}

/** A cluster-wide set of permissions; granted cluster-wide by ClusterRoleBindings or in one namespace by RoleBindings. */
export interface ClusterRoleResource {
  /** Always rbac.authorization.k8s.io/v1. */
  apiVersion: "rbac.authorization.k8s.io/v1";
  /** Always ClusterRole. */
  kind: "ClusterRole";
  /** Standard object metadata. */
  metadata: ObjectMeta;
  /** The permissions. */
  rules?: Array<{
    /** API groups of the resources ("" is the core group, mastra.ai Kastra's kinds, "*" all). */
    apiGroups?: string[];
    /** Resources (plurals such as llms, "workflows/execute" for a subresource, "*" all, "*\/status" a subresource of all). */
    resources?: string[];
    /** Only objects of these names (none: all). */
    resourceNames?: string[];
    /** get, list, watch, create, update, patch, delete, deletecollection, bind, escalate, or "*". */
    verbs: string[];
    /** Paths such as /version or /apis/* (ClusterRoles only). */
    nonResourceURLs?: string[];
  }>;
  /** Accepted for compatibility; Kastra does not aggregate roles. */
  aggregationRule?: {
    [key: string]: unknown;
  };
}

/** Grants a Role or ClusterRole to users, groups or service accounts within its namespace. */
export interface RoleBindingResource {
  /** Always rbac.authorization.k8s.io/v1. */
  apiVersion: "rbac.authorization.k8s.io/v1";
  /** Always RoleBinding. */
  kind: "RoleBinding";
  /** Standard object metadata. */
  metadata: ObjectMeta;
  /** The role granted; it cannot change once the binding exists. */
  roleRef: {
    /** Always rbac.authorization.k8s.io. */
    apiGroup: string;
    /** Role or ClusterRole. */
    kind: string;
    /** The name of the role. */
    name: string;
  };
  /** Who gets the role. */
  subjects?: Array<{
    /** User, Group or ServiceAccount. */
    kind: string;
    /** rbac.authorization.k8s.io for User and Group, "" for ServiceAccount. */
    apiGroup?: string;
    /** The user name (a token's sub), group name, or service account name. */
    name: string;
    /** The namespace of a ServiceAccount. */
    namespace?: string;
  }>;
}

/** Grants a ClusterRole to users, groups or service accounts in every namespace. */
export interface ClusterRoleBindingResource {
  /** Always rbac.authorization.k8s.io/v1. */
  apiVersion: "rbac.authorization.k8s.io/v1";
  /** Always ClusterRoleBinding. */
  kind: "ClusterRoleBinding";
  /** Standard object metadata. */
  metadata: ObjectMeta;
  /** The role granted; it cannot change once the binding exists. */
  roleRef: {
    /** Always rbac.authorization.k8s.io. */
    apiGroup: string;
    /** Role or ClusterRole. */
    kind: string;
    /** The name of the role. */
    name: string;
  };
  /** Who gets the role. */
  subjects?: Array<{
    /** User, Group or ServiceAccount. */
    kind: string;
    /** rbac.authorization.k8s.io for User and Group, "" for ServiceAccount. */
    apiGroup?: string;
    /** The user name (a token's sub), group name, or service account name. */
    name: string;
    /** The namespace of a ServiceAccount. */
    namespace?: string;
  }>;
}

/** Any resource of a built-in kind. */
export type KnownResource =
  | CustomResourceDefinitionResource
  | LLMResource
  | ToolResource
  | AgentResource
  | WorkflowResource
  | NetworkResource
  | SystemResource
  | SecretResource
  | WorkflowRunResource
  | NetworkRunResource
  | PluginResource
  | RoleResource
  | ClusterRoleResource
  | RoleBindingResource
  | ClusterRoleBindingResource;

/** The resource type of each built-in kind, by kind name. */
export interface ResourceTypes {
  CustomResourceDefinition: CustomResourceDefinitionResource;
  LLM: LLMResource;
  Tool: ToolResource;
  Agent: AgentResource;
  Workflow: WorkflowResource;
  Network: NetworkResource;
  System: SystemResource;
  Secret: SecretResource;
  WorkflowRun: WorkflowRunResource;
  NetworkRun: NetworkRunResource;
  Plugin: PluginResource;
  Role: RoleResource;
  ClusterRole: ClusterRoleResource;
  RoleBinding: RoleBindingResource;
  ClusterRoleBinding: ClusterRoleBindingResource;
}
