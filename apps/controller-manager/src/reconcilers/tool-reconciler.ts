import { Script } from 'node:vm';
import { BUILTIN_TOOLS, DEFAULT_NAMESPACE, mcpStdioCommandsFromEnv, resolveMcpStdioServer, toolExecutorsOf, type McpStdioCommands, type Resource } from '@kastra/api';
import { EgressPolicy, type PrivateEgressResolver } from '@kastra/egress';
import { DENY_ALL_PERMISSIONS, type ResourcePermissions } from '@kastra/rbac';
import type { ResourceStore } from '@kastra/resource-store';
import type { Assessment, Problem } from '../assessment';
import type { KindReconciler } from '../kind-reconciler';
import { ReferenceChecker } from '../reference-checker';
import { probeTcp } from '../tcp-probe';
import { secretKeyProblem } from './secret-key-problem';
import { secretUseProblem } from './secret-use-problem';

export interface ToolReconcilerOptions {
  /** TCP connect timeout of the reachability check. @default 2 s */
  probeTimeoutMs?: number;
  /** When an unreachable endpoint is tried again. @default 30 s */
  unreachableRecheckMs?: number;
  /**
   * The egress policy the executors apply, applied before probing. @default the policy of this
   * process's KASTRA_EGRESS_ALLOW, and private addresses as `permissions` say
   */
  egress?: { policy?: EgressPolicy; privateAllowed?: PrivateEgressResolver };
  /**
   * What a Tool may use, by its last writer's rights (as the executors decide): its Secrets, and
   * private addresses unless `egress.privateAllowed` says otherwise. @default neither
   */
  permissions?: ResourcePermissions;
  /** The stdio MCP servers Tools may start. @default this process's KASTRA_MCP_COMMANDS */
  mcpCommands?: McpStdioCommands;
}

/**
 * A Tool is Ready when its one executor is valid: an http or MCP URL the egress policy allows and
 * that accepts a connection (an address the policy refuses is not probed, so readiness tells
 * nothing about ports a Tool may not reach), a stdio MCP server the operator configured, and
 * Secrets its last writer may read (the executors refuse the others: SecretForbidden).
 */
export class ToolReconciler implements KindReconciler {
  readonly kind = 'Tool';
  private readonly references: ReferenceChecker;

  constructor(private readonly store: ResourceStore, private readonly options: ToolReconcilerOptions = {}) {
    this.references = new ReferenceChecker(store);
  }

  async reconcile(tool: Resource): Promise<Assessment> {
    const spec = (tool.spec ?? {}) as Record<string, unknown>;
    const problems = await this.references.check(tool);
    const executors = toolExecutorsOf(spec);
    if (executors.length !== 1) {
      problems.push({
        reason: 'InvalidExecutor',
        message: `exactly one executor must be set (http, mcp, builtin or script), found ${executors.length === 0 ? 'none' : executors.join(', ')}`,
        terminal: true,
      });
      return { problems, readyMessage: '' };
    }
    const executor = executors[0];
    if (executor === 'http') problems.push(...(await this.httpProblems(tool, spec.http as Record<string, unknown>)));
    if (executor === 'mcp') problems.push(...(await this.mcpProblems(tool, spec.mcp as Record<string, unknown>)));
    if (executor === 'builtin' && !(BUILTIN_TOOLS as readonly string[]).includes(String(spec.builtin))) {
      problems.push({
        reason: 'UnknownBuiltin',
        message: `builtin "${String(spec.builtin)}" does not exist (spec.builtin): use one of ${BUILTIN_TOOLS.join(', ')}`,
        terminal: true,
      });
    }
    if (executor === 'script') {
      const problem = scriptProblem((spec.script as { code?: unknown }).code);
      if (problem) problems.push(problem);
    }
    return { problems, readyMessage: `${executor} executor is valid${executor === 'http' || executor === 'mcp' ? ' and reachable' : ''}` };
  }

  private async httpProblems(tool: Resource, http: Record<string, unknown>): Promise<Problem[]> {
    const problems: Problem[] = [];
    const namespace = tool.metadata.namespace ?? DEFAULT_NAMESPACE;
    for (const [header, value] of Object.entries((http.headers ?? {}) as Record<string, unknown>)) {
      const secretRef = (value as { secretRef?: { name?: unknown; key?: unknown } } | null)?.secretRef;
      if (typeof secretRef?.name !== 'string' || typeof secretRef.key !== 'string') continue;
      const field = `spec.http.headers.${header}.secretRef`;
      const problem = await secretKeyProblem(this.store, namespace, { name: secretRef.name, key: secretRef.key }, `${field}.key`);
      if (problem) problems.push(problem);
      const forbidden = await secretUseProblem(this.permissions, tool, { namespace, name: secretRef.name }, field, this.recheckMs);
      if (forbidden) problems.push(forbidden);
    }
    const unreachable = await this.reachability(tool, String(http.url), 'spec.http.url');
    return unreachable ? [...problems, unreachable] : problems;
  }

  private async mcpProblems(tool: Resource, mcp: Record<string, unknown>): Promise<Problem[]> {
    const server = (mcp.server ?? {}) as { url?: unknown; stdio?: string; command?: string; args?: string[]; env?: Record<string, unknown> };
    if (typeof server.url === 'string') {
      const unreachable = await this.reachability(tool, server.url, 'spec.mcp.server.url');
      return unreachable ? [unreachable] : [];
    }
    // stdio servers are started by the executor per call: only one the operator configured may run.
    let commands: McpStdioCommands;
    try {
      commands = this.options.mcpCommands ?? mcpStdioCommandsFromEnv(process.env);
    } catch (error) {
      return [{ reason: 'InvalidConfiguration', message: `${(error as Error).message}; ask an operator to correct it`, recheckAfterMs: this.recheckMs }];
    }
    const resolved = resolveMcpStdioServer(server, commands);
    if ('refused' in resolved) return [{ reason: 'McpCommandNotAllowed', message: `${resolved.refused}; a Tool cannot name a command of its own`, recheckAfterMs: this.recheckMs }];
    const problems: Problem[] = [];
    const namespace = tool.metadata.namespace ?? DEFAULT_NAMESPACE;
    for (const [name, value] of Object.entries(server.env ?? {})) {
      const secretRef = (value as { secretRef?: { name?: unknown; key?: unknown } } | null)?.secretRef;
      if (typeof secretRef?.name !== 'string' || typeof secretRef.key !== 'string') continue;
      const field = `spec.mcp.server.env.${name}.secretRef`;
      const problem = await secretKeyProblem(this.store, namespace, { name: secretRef.name, key: secretRef.key }, `${field}.key`);
      if (problem) problems.push(problem);
      const forbidden = await secretUseProblem(this.permissions, tool, { namespace, name: secretRef.name }, field, this.recheckMs);
      if (forbidden) problems.push(forbidden);
    }
    return problems;
  }

  /** Why the Tool cannot reach `url`: refused by the egress policy (not probed), or no TCP connection. */
  private async reachability(tool: Resource, url: string, field: string): Promise<Problem | undefined> {
    let policy: EgressPolicy;
    try {
      policy = this.options.egress?.policy ?? EgressPolicy.fromEnv(process.env);
    } catch (error) {
      return { reason: 'InvalidConfiguration', message: `${(error as Error).message}; ask an operator to correct it`, recheckAfterMs: this.recheckMs };
    }
    const privateAllowed = await (this.options.egress?.privateAllowed ?? ((resource) => this.permissions.mayReachPrivate(resource)))(tool);
    const outcome = await probeTcp(url, { policy, privateAllowed, timeoutMs: this.options.probeTimeoutMs ?? 2000 });
    if ('refused' in outcome) {
      return {
        reason: 'EgressRefused',
        message: `${url} (${field}) is refused by egress policy: ${outcome.refused}; Tools may not reach it unless an operator opens it (KASTRA_EGRESS_ALLOW)`,
        recheckAfterMs: this.recheckMs,
      };
    }
    if (outcome.reachable) return undefined;
    return {
      reason: 'Unreachable',
      message: `${url} (${field}) is unreachable: ${outcome.because}; start the server or correct the URL`,
      recheckAfterMs: this.recheckMs,
    };
  }

  private get permissions(): ResourcePermissions {
    return this.options.permissions ?? DENY_ALL_PERMISSIONS;
  }

  private get recheckMs(): number {
    return this.options.unreachableRecheckMs ?? 30_000;
  }
}

/**
 * Compiles the body the way the executors wrap it (an async function of `input`), without running
 * it: node:vm's Script is only V8's parser here — never a sandbox; scripts run in the QuickJS one.
 */
function scriptProblem(code: unknown): Problem | undefined {
  try {
    new Script(`(async function (input) {\n${String(code)}\n})`, { filename: 'spec.script.code' });
    return undefined;
  } catch (error) {
    return {
      reason: 'InvalidScript',
      message: `spec.script.code does not compile: ${error instanceof Error ? error.message : String(error)}`,
      terminal: true,
    };
  }
}
