import { evaluateJsonPath, type KindDefinition, type PrinterColumn, type Resource } from '@kastra/api';
import { humanDuration } from './human-duration';

/** `includeObject` of a Table request: what each row carries besides its cells. @default Metadata */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: unknown[];
  object?: Record<string, unknown>;
}

/** A `meta.k8s.io` Table, what `kubectl get` prints. */
export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata: { resourceVersion?: string };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export interface TableOptions {
  includeObject?: IncludeObject;
  /** `v1` or `v1beta1`, as asked for in Accept. @default v1 */
  version?: string;
  resourceVersion?: string;
  /** Reference time for ages. @default now */
  now?: Date;
}

const NAME_COLUMN: TableColumnDefinition = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace.',
  priority: 0,
};

const AGE_COLUMN: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'Time since creation.',
};

/** Name, the kind's printer columns, and Age unless the kind lists it already. */
export function printerColumnsOf(kind: KindDefinition): PrinterColumn[] {
  const columns = [...kind.printerColumns];
  if (!columns.some((column) => column.jsonPath === AGE_COLUMN.jsonPath)) columns.push(AGE_COLUMN);
  return columns;
}

/**
 * The Table of `objects` as the apiserver builds it for custom resources: cells from the printer
 * columns' JSONPaths, `date` columns already turned into ages ("5m"), missing values null (kubectl
 * prints `<none>`), and each row's object as PartialObjectMetadata (kubectl reads the namespace
 * column and labels from it).
 */
export function buildTable(kind: KindDefinition, objects: Resource[], options: TableOptions = {}): Table {
  const columns = printerColumnsOf(kind);
  const now = options.now ?? new Date();
  const version = options.version ?? 'v1';
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: options.resourceVersion !== undefined ? { resourceVersion: options.resourceVersion } : {},
    columnDefinitions: [
      NAME_COLUMN,
      ...columns.map((column) => ({
        name: column.name,
        type: column.type,
        format: '',
        description: column.description ?? '',
        priority: column.priority ?? 0,
      })),
    ],
    rows: objects.map((object) => ({
      cells: [object.metadata.name, ...columns.map((column) => cellOf(object, column, now))],
      ...rowObject(object, options.includeObject ?? 'Metadata', version),
    })),
  };
}

function cellOf(object: Resource, column: PrinterColumn, now: Date): unknown {
  let text: string;
  try {
    text = evaluateJsonPath(object, column.jsonPath);
  } catch {
    return null;
  }
  if (text === '') return null;
  switch (column.type) {
    case 'date': {
      const time = Date.parse(text);
      return Number.isNaN(time) ? '<invalid>' : humanDuration(now.getTime() - time);
    }
    case 'integer':
    case 'number': {
      const value = Number(text);
      return Number.isNaN(value) ? text : value;
    }
    case 'boolean':
      return text === 'true';
    default:
      return text;
  }
}

function rowObject(object: Resource, includeObject: IncludeObject, version: string): Pick<TableRow, 'object'> {
  if (includeObject === 'None') return {};
  if (includeObject === 'Object') return { object: object as unknown as Record<string, unknown> };
  return { object: { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: object.metadata } };
}
