import { Script } from 'node:vm';
import { BUILTIN_TOOLS, DEFAULT_NAMESPACE, toolExecutorsOf, type Resource } from '@kastra/api';
import type { ResourceStore } from '@kastra/resource-store';
import type { Assessment, Problem } from '../assessment';
import type { KindReconciler } from '../kind-reconciler';
import { ReferenceChecker } from '../reference-checker';
import { tcpUnreachableBecause } from '../tcp-probe';
import { secretKeyProblem } from './secret-key-problem';

export interface ToolReconcilerOptions {
  /** TCP connect timeout of the reachability check. @default 2 s */
  probeTimeoutMs?: number;
  /** When an unreachable endpoint is tried again. @default 30 s */
  unreachableRecheckMs?: number;
}

/** A Tool is Ready when its one executor is valid, and reachable for http and mcp servers. */
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
    if (executor === 'mcp') problems.push(...(await this.mcpProblems(spec.mcp as Record<string, unknown>)));
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
      const field = `spec.http.headers.${header}.secretRef.key`;
      const problem = await secretKeyProblem(this.store, namespace, { name: secretRef.name, key: secretRef.key }, field);
      if (problem) problems.push(problem);
    }
    const unreachable = await this.reachability(String(http.url), 'spec.http.url');
    return unreachable ? [...problems, unreachable] : problems;
  }

  private async mcpProblems(mcp: Record<string, unknown>): Promise<Problem[]> {
    const server = (mcp.server ?? {}) as { url?: unknown };
    // stdio servers are started by the executor per call; nothing to probe here.
    if (typeof server.url !== 'string') return [];
    const unreachable = await this.reachability(server.url, 'spec.mcp.server.url');
    return unreachable ? [unreachable] : [];
  }

  private async reachability(url: string, field: string): Promise<Problem | undefined> {
    const because = await tcpUnreachableBecause(url, this.options.probeTimeoutMs ?? 2000);
    if (!because) return undefined;
    return {
      reason: 'Unreachable',
      message: `${url} (${field}) is unreachable: ${because}; start the server or correct the URL`,
      recheckAfterMs: this.options.unreachableRecheckMs ?? 30_000,
    };
  }
}

/** Compiles the body the way the executors wrap it (an async function of `input`), without running it. */
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
