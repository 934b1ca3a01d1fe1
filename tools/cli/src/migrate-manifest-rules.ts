import { isMap, isScalar, isSeq, type Document, type Node, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { API_GROUP, API_GROUP_VERSION, findBuiltinKind } from '@kastra/api';

/** A replacement of `[start, end)` of the file's text: edits keep every other byte as it was. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** The upgrades `kastra migrate manifests` knows, each checked against the current schemas. */
export type UpgradeRule = 'api-version' | 'reference-key' | 'inline-model-key' | 'extract-llm';

/** One change made to a document, for the summary. */
export interface ManifestChange {
  rule: UpgradeRule;
  /** The field changed, e.g. `spec.tools[0].refName`. */
  field: string;
  detail: string;
}

/** An inline model `--extract-llms` turns into an LLM; `name` is filled in by the caller. */
export interface InlineModel {
  provider: string;
  model: string;
  namespace: string | undefined;
  field: string;
  /** Replaces the selector with `{ref: <name>}` once the LLM is named. */
  replace: (llmName: string) => TextEdit;
}

/** What the rules found in one document. */
export interface DocumentUpgrade {
  edits: TextEdit[];
  changes: ManifestChange[];
  /** Things left as they were, and why (a kind Kastra does not serve, a conflict). */
  notes: string[];
  /** Inline models `{provider, name}`: still valid, extracted only with `--extract-llms`. */
  inlineModels: InlineModel[];
}

/** Where each kind keeps model selectors and reference lists, and what the reference key is called there. */
interface KindLayout {
  selectors: string[][];
  /** Lists of `{name, <key>}` entries and the key the current schema names their reference with. */
  referenceLists: Array<{ path: string[]; key: 'ref' | 'refName'; other: 'ref' | 'refName' }>;
}

const LAYOUTS: Record<string, KindLayout> = {
  // Agent.spec.tools[] names its Tool with `refName` (agent-kind.ts); the model with `ref`.
  Agent: { selectors: [['model']], referenceLists: [{ path: ['tools'], key: 'refName', other: 'ref' }] },
  // Network members name their Agent or Workflow with `ref` (network-kind.ts).
  Network: {
    selectors: [['router', 'model']],
    referenceLists: [
      { path: ['agents'], key: 'ref', other: 'refName' },
      { path: ['workflows'], key: 'ref', other: 'refName' },
    ],
  },
};
/** System children (`spec.<list>[].spec`) follow the layout of their kind. */
const SYSTEM_CHILDREN: Record<string, string> = { agents: 'Agent', networks: 'Network' };

/**
 * The upgrades of one parsed document (positions are offsets in the whole file's text):
 * - `apiVersion: mastra.ai/<older>` → `mastra.ai/v1` for a kind Kastra serves;
 * - a reference key named the other way than the schema names it at that place: `refName` →
 *   `ref` in model selectors and Network members, `ref` → `refName` in an Agent's tools;
 * - an inline model written `{provider, model}` (as an LLM's spec names it) → `{provider, name}`;
 * - inline models `{provider, name}` are collected (current and valid: only `--extract-llms`
 *   turns them into LLMs).
 */
export function upgradeDocument(document: Document): DocumentUpgrade {
  const upgrade: DocumentUpgrade = { edits: [], changes: [], notes: [], inlineModels: [] };
  const root = document.contents;
  if (!isMap(root)) return upgrade;
  const kind = scalarString(root.get('kind', true));
  upgradeApiVersion(root, kind, upgrade);
  if (!kind || !isMastraKind(kind)) return upgrade;
  const namespace = scalarString(mapAt(root, ['metadata'])?.get('namespace', true));
  const spec = mapAt(root, ['spec']);
  if (!spec) return upgrade;
  const layout = LAYOUTS[kind];
  if (layout) upgradeSpec(spec, layout, 'spec', namespace, upgrade);
  if (kind === 'System') {
    for (const [list, childKind] of Object.entries(SYSTEM_CHILDREN)) {
      const children = spec.get(list, true);
      if (!isSeq(children)) continue;
      children.items.forEach((child, i) => {
        const childSpec = isMap(child) ? mapAt(child, ['spec']) : undefined;
        if (childSpec) upgradeSpec(childSpec, LAYOUTS[childKind], `spec.${list}[${i}].spec`, namespace, upgrade);
      });
    }
  }
  return upgrade;
}

function upgradeApiVersion(root: YAMLMap, kind: string | undefined, upgrade: DocumentUpgrade): void {
  const node = root.get('apiVersion', true);
  const apiVersion = scalarString(node);
  if (!apiVersion || !isScalar(node) || apiVersion === API_GROUP_VERSION || !apiVersion.startsWith(`${API_GROUP}/`)) return;
  if (!kind || !isMastraKind(kind)) {
    upgrade.notes.push(`kind ${kind ?? '(none)'} of ${apiVersion} is not a kind Kastra serves under ${API_GROUP_VERSION}: left as is`);
    return;
  }
  upgrade.edits.push(replaceScalar(node, API_GROUP_VERSION));
  upgrade.changes.push({ rule: 'api-version', field: 'apiVersion', detail: `${apiVersion} → ${API_GROUP_VERSION}` });
}

function upgradeSpec(spec: YAMLMap, layout: KindLayout, at: string, namespace: string | undefined, upgrade: DocumentUpgrade): void {
  for (const path of layout.selectors) {
    const selector = mapAt(spec, path);
    if (selector) upgradeSelector(selector, `${at}.${path.join('.')}`, namespace, upgrade);
  }
  for (const list of layout.referenceLists) {
    const entries = nodeAt(spec, list.path);
    if (!isSeq(entries)) continue;
    entries.items.forEach((entry, i) => {
      if (isMap(entry)) renameKey(entry, list.other, list.key, `${at}.${list.path.join('.')}[${i}]`, 'reference-key', upgrade);
    });
  }
}

/** `{refName}` → `{ref}`; `{provider, model}` → `{provider, name}`; `{provider, name}` collected. */
function upgradeSelector(selector: YAMLMap, at: string, namespace: string | undefined, upgrade: DocumentUpgrade): void {
  renameKey(selector, 'refName', 'ref', at, 'reference-key', upgrade);
  const provider = scalarString(selector.get('provider', true));
  const hasRef = selector.has('ref') || selector.has('refName');
  if (!provider || hasRef) return;
  let modelName = scalarString(selector.get('name', true));
  if (modelName === undefined) {
    modelName = scalarString(selector.get('model', true));
    renameKey(selector, 'model', 'name', at, 'inline-model-key', upgrade);
  }
  if (modelName === undefined) return;
  const keys = selector.items.map((pair) => scalarString(pair.key));
  if (keys.some((key) => key !== 'provider' && key !== 'name' && key !== 'model')) return;
  upgrade.inlineModels.push({
    provider,
    model: modelName,
    namespace,
    field: at,
    replace: (llmName) => {
      const [start, end] = selector.range ?? [0, 0];
      return selector.flow ? { start, end, text: `{ ref: ${llmName} }` } : { start, end: trimmedEnd(selector), text: `ref: ${llmName}` };
    },
  });
}

/** Renames key `from` to `to` in place (its value, comments and position kept). */
function renameKey(map: YAMLMap, from: string, to: string, at: string, rule: UpgradeRule, upgrade: DocumentUpgrade): void {
  const pair = pairOf(map, from);
  if (!pair || !isScalar(pair.key)) return;
  if (map.has(to)) {
    upgrade.notes.push(`${at} has both ${from} and ${to}: ${from} left as is (remove one)`);
    return;
  }
  upgrade.edits.push(replaceScalar(pair.key, to));
  upgrade.changes.push({ rule, field: `${at}.${from}`, detail: `${from} → ${to}` });
}

/** Replaces a scalar's text, in the quotes it was written in. */
function replaceScalar(node: Scalar, value: string): TextEdit {
  const [start, end] = node.range ?? [0, 0];
  const text = node.type === 'QUOTE_DOUBLE' ? JSON.stringify(value) : node.type === 'QUOTE_SINGLE' ? `'${value.replace(/'/g, "''")}'` : value;
  return { start, end, text };
}

/** The end of a block map's last value (before any trailing comment or blank line). */
function trimmedEnd(map: YAMLMap): number {
  const last = map.items[map.items.length - 1] as Pair<Node, Node> | undefined;
  return last?.value?.range?.[1] ?? map.range?.[1] ?? 0;
}

function isMastraKind(kind: string): boolean {
  return findBuiltinKind(kind)?.group === API_GROUP;
}

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((pair) => scalarString(pair.key) === key) as Pair | undefined;
}

function nodeAt(map: YAMLMap, path: string[]): unknown {
  let current: unknown = map;
  for (const key of path) {
    if (!isMap(current)) return undefined;
    current = current.get(key, true);
  }
  return current;
}

function mapAt(map: YAMLMap, path: string[]): YAMLMap | undefined {
  const node = nodeAt(map, path);
  return isMap(node) ? (node as YAMLMap) : undefined;
}

function scalarString(node: unknown): string | undefined {
  return isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
}
