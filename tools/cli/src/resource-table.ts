import type { Condition, Resource } from '@kastra/api';

/** A column of `kastra get`: its header and how to read a cell from an object. */
export interface Column {
  header: string;
  value(resource: Resource): string;
}

type Spec = Record<string, unknown>;

const specOf = (resource: Resource): Spec => (resource.spec ?? {}) as Spec;
const text = (value: unknown): string => (value === undefined || value === null || value === '' ? '<none>' : String(value));
const count = (value: unknown): string => (Array.isArray(value) ? String(value.length) : '0');
/** A reference field may be `name`, `ns.name` or `{ name }` / `{ ref }`. */
const reference = (value: unknown): string =>
  typeof value === 'object' && value !== null ? text((value as Spec).ref ?? (value as Spec).name) : text(value);

export function conditionOf(resource: Resource, type: string): Condition | undefined {
  return resource.status?.conditions?.find((condition) => condition.type === type);
}

const succeeded: Column = { header: 'SUCCEEDED', value: (r) => conditionOf(r, 'Succeeded')?.status ?? '<none>' };

/** Kinds without a Ready condition: no READY column. */
const WITHOUT_READY = new Set(['Secret', 'NetworkRun']);

/** The kind-specific columns, one or two per kind: what a user scans the list for. */
const KIND_COLUMNS: Record<string, Column[]> = {
  LLM: [
    { header: 'PROVIDER', value: (r) => text(specOf(r).provider) },
    { header: 'MODEL', value: (r) => text(specOf(r).model) },
  ],
  Tool: [{ header: 'EXECUTOR', value: (r) => ['http', 'mcp', 'builtin', 'script'].find((key) => specOf(r)[key] !== undefined) ?? '<none>' }],
  Agent: [
    {
      header: 'MODEL',
      value: (r) => {
        const model = specOf(r).model as Spec | string | undefined;
        if (typeof model === 'object' && model !== null && model.ref === undefined && model.provider !== undefined) {
          return `${String(model.provider)}/${text(model.name ?? model.model)}`;
        }
        return reference(model);
      },
    },
  ],
  Workflow: [{ header: 'STEPS', value: (r) => count(specOf(r).steps) }],
  WorkflowRun: [{ header: 'WORKFLOW', value: (r) => reference(specOf(r).workflowRef) }, succeeded],
  Network: [{ header: 'AGENTS', value: (r) => count(specOf(r).agents) }],
  // The kind's printer columns: Network, Phase, Steps, Succeeded (a run has no Ready condition).
  NetworkRun: [
    { header: 'NETWORK', value: (r) => reference(specOf(r).networkRef) },
    { header: 'PHASE', value: (r) => text(r.status?.phase) },
    { header: 'STEPS', value: (r) => text(r.status?.steps) },
    succeeded,
  ],
  Secret: [{ header: 'DATA', value: (r) => String(Object.keys(r.data ?? {}).length) }],
};

export interface TableOptions {
  /** Add a NAMESPACE column (`-A`). */
  allNamespaces?: boolean;
  /** `-o wide`: also PHASE and the Ready condition's REASON. */
  wide?: boolean;
  /** Age is measured from here. @default now */
  now?: Date;
}

/** The columns of `kastra get` for objects of `kind`. */
export function columnsFor(kind: string, options: TableOptions = {}): Column[] {
  const now = options.now ?? new Date();
  return [
    ...(options.allNamespaces ? [{ header: 'NAMESPACE', value: (r: Resource) => r.metadata.namespace ?? 'default' }] : []),
    { header: 'NAME', value: (r) => r.metadata.name },
    ...(WITHOUT_READY.has(kind) ? [] : [{ header: 'READY', value: (r: Resource) => conditionOf(r, 'Ready')?.status ?? '<none>' }]),
    ...(KIND_COLUMNS[kind] ?? []),
    {
      header: 'AGE',
      value: (r) => (r.metadata.creationTimestamp ? formatAge(now.getTime() - Date.parse(r.metadata.creationTimestamp)) : '<unknown>'),
    },
    ...(options.wide
      ? [
          ...((KIND_COLUMNS[kind] ?? []).some((column) => column.header === 'PHASE') ? [] : [{ header: 'PHASE', value: (r: Resource) => text(r.status?.phase) }]),
          { header: 'REASON', value: (r: Resource) => text(conditionOf(r, 'Ready')?.reason) },
        ]
      : []),
  ];
}

/** Left-aligned columns separated by three spaces, as kubectl prints them. */
export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column])))
      .join('   ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

export function renderResourceTable(resources: Resource[], kind: string, options: TableOptions = {}): string {
  const columns = columnsFor(kind, options);
  return renderTable(
    columns.map((column) => column.header),
    resources.map((resource) => columns.map((column) => column.value(resource))),
  );
}

/** kubectl's short ages: `45s`, `3m20s`, `15m`, `5h10m`, `20h`, `3d4h`, `40d`, `2y30d`. */
export function formatAge(milliseconds: number): string {
  const seconds = Math.max(0, Math.floor(milliseconds / 1000));
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  const days = Math.floor(hours / 24);
  const years = Math.floor(days / 365);
  const pair = (big: number, bigUnit: string, small: number, smallUnit: string) => (small === 0 ? `${big}${bigUnit}` : `${big}${bigUnit}${small}${smallUnit}`);
  if (seconds < 120) return `${seconds}s`;
  if (minutes < 10) return pair(minutes, 'm', seconds % 60, 's');
  if (minutes < 180) return `${minutes}m`;
  if (hours < 8) return pair(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return pair(days, 'd', hours % 24, 'h');
  if (days < 365 * 2) return `${days}d`;
  if (days < 365 * 8) return pair(years, 'y', days % 365, 'd');
  return `${years}y`;
}
