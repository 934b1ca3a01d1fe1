import type * as ts from 'typescript';
import { API_GROUP_VERSION, type Resource } from '@kastra/api';
import type { ProviderName } from '@kastra/llm/provider-table';
import type { MastraSources } from './migrate-mastra-sources';
import { UniqueNames } from './migrate-names';
import { formatLocation, type MigrationReport, type SourceLocation } from './migrate-report';

/** Where the generated object came from: `file:line` of the Mastra construct. */
export const MIGRATED_FROM_ANNOTATION = 'mastra.ai/migrated-from';
/** What is left to do by hand on a generated object (a tool body, a condition, instructions). */
export const MIGRATION_TODO_ANNOTATION = 'mastra.ai/migration-todo';
/** The provider a Mastra model named, on an LLM whose provider `--provider-override` replaced. */
export const MIGRATED_PROVIDER_ANNOTATION = 'mastra.ai/migrated-provider';

export type MigratedKind = 'LLM' | 'Tool' | 'Agent' | 'Workflow';

export interface MigrationOptions {
  /** metadata.namespace of every object; none: the namespace they are applied to. */
  namespace?: string;
  /** Every LLM uses this provider instead (e.g. `mock`, to run offline). */
  providerOverride?: ProviderName;
}

/**
 * What one `kastra migrate mastra` run shares while it converts: the sources, the report, the
 * objects made so far and their names (one object per Mastra construct, however often used).
 */
export class MigrationContext {
  readonly resources: Resource[] = [];
  /** The `createStep(...)` calls some workflow uses (the others are reported unused). */
  readonly usedSteps = new Set<ts.Node>();
  private readonly names: Record<MigratedKind, UniqueNames> = { LLM: new UniqueNames(), Tool: new UniqueNames(), Agent: new UniqueNames(), Workflow: new UniqueNames() };
  private readonly made = new Map<string, string>();

  constructor(
    readonly sources: MastraSources,
    readonly report: MigrationReport,
    readonly options: MigrationOptions = {},
  ) {}

  at(node: ts.Node): SourceLocation {
    return this.sources.location(node);
  }

  /** The name already given to what `key` identifies (a construct node, an LLM's provider/model), if any. */
  nameOf(kind: MigratedKind, key: unknown): string | undefined {
    return this.made.get(this.keyOf(kind, key));
  }

  /**
   * Gives what `key` identifies a name of its own among the objects of `kind`; when `preferred`
   * is taken (two tools with one id), the report says which name it got instead.
   */
  claimName(kind: MigratedKind, key: unknown, preferred: string): string {
    const name = this.names[kind].claim(preferred);
    this.made.set(this.keyOf(kind, key), name);
    if (name !== preferred) {
      const at = typeof key === 'object' && key !== null && 'getSourceFile' in key ? this.at(key as ts.Node) : { file: '(generated)', line: 0 };
      this.report.approximated(`${kind} ${name}`, at, `the name ${preferred} is taken by another ${kind} of the project: named ${name} (references to it use the new name)`);
    }
    return name;
  }

  /** Adds an object of kind `kind`; `from` is the construct it translates. */
  add(kind: MigratedKind, name: string, from: ts.Node, spec: Record<string, unknown>, annotations: Record<string, string> = {}): Resource {
    const resource: Resource = {
      apiVersion: API_GROUP_VERSION,
      kind,
      metadata: {
        name,
        ...(this.options.namespace ? { namespace: this.options.namespace } : {}),
        annotations: { [MIGRATED_FROM_ANNOTATION]: formatLocation(this.at(from)), ...annotations },
      },
      spec,
    };
    this.resources.push(resource);
    return resource;
  }

  /** Notes a hand-work item on an object already added. */
  addTodo(resource: Resource, todo: string): void {
    const annotations = (resource.metadata.annotations ??= {});
    const earlier = annotations[MIGRATION_TODO_ANNOTATION];
    annotations[MIGRATION_TODO_ANNOTATION] = earlier ? `${earlier}; ${todo}` : todo;
  }

  private readonly keys = new Map<unknown, number>();

  private keyOf(kind: MigratedKind, key: unknown): string {
    if (typeof key === 'string') return `${kind}:${key}`;
    let id = this.keys.get(key);
    if (id === undefined) this.keys.set(key, (id = this.keys.size));
    return `${kind}#${id}`;
  }
}
