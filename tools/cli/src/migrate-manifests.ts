import { parseAllDocuments, stringify, type Document } from 'yaml';
import { API_GROUP, API_GROUP_VERSION, findBuiltinKind, validateResource, type FieldCause } from '@kastra/api';
import { PROVIDER_DEFAULTS, normalizeProviderName } from '@kastra/llm/provider-table';
import { MIGRATED_FROM_ANNOTATION } from './migrate-mastra-context';
import { upgradeDocument, type ManifestChange, type TextEdit } from './migrate-manifest-rules';
import { UniqueNames, resourceName } from './migrate-names';

export interface ManifestUpgradeOptions {
  /** Inline models `{provider, name}` become LLM manifests and `{ref}` (they are valid as they are). */
  extractLlms?: boolean;
}

/** One document of a file after the upgrade. */
export interface DocumentReport {
  /** `Agent recipe-assistant (document 2)`. */
  label: string;
  changes: ManifestChange[];
  /** Left as they were, and why; inline models kept. */
  notes: string[];
  /** What the API server would still refuse after the upgrade. */
  causes: FieldCause[];
}

export interface FileUpgrade {
  source: string;
  before: string;
  after: string;
  documents: DocumentReport[];
  /** LLMs written for inline models (`--extract-llms`), appended to this file. */
  extracted: string[];
  /** The file is not YAML the upgrade can read: left as is. */
  error?: string;
}

/**
 * The LLMs of every manifest being upgraded, so an inline model becomes a ref to an LLM already
 * there (same namespace, provider and model) and new LLM names are unique in their namespace.
 */
export class LlmCatalog {
  private readonly byModel = new Map<string, string>();
  private readonly names = new Map<string, UniqueNames>();

  /** Notes the LLMs among `text`'s documents. */
  addExisting(text: string): void {
    for (const document of parseAllDocuments(text)) {
      const value = (document as Document).toJS?.() as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown }; spec?: { provider?: unknown; model?: unknown } } | null;
      if (value?.kind !== 'LLM' || typeof value.metadata?.name !== 'string') continue;
      const namespace = typeof value.metadata.namespace === 'string' ? value.metadata.namespace : undefined;
      this.namesIn(namespace).claim(value.metadata.name);
      if (typeof value.spec?.provider === 'string' && typeof value.spec.model === 'string') {
        this.byModel.set(modelKey(namespace, value.spec.provider, value.spec.model), value.metadata.name);
      }
    }
  }

  /** The LLM serving `provider/model` in `namespace`, and whether it has to be written. */
  llmFor(namespace: string | undefined, provider: string, model: string): { name: string; created: boolean } {
    const key = modelKey(namespace, provider, model);
    const known = this.byModel.get(key);
    if (known) return { name: known, created: false };
    const name = this.namesIn(namespace).claim(resourceName(`${provider}-${model}`, 'llm'));
    this.byModel.set(key, name);
    return { name, created: true };
  }

  private namesIn(namespace: string | undefined): UniqueNames {
    const key = namespace ?? '';
    let names = this.names.get(key);
    if (!names) this.names.set(key, (names = new UniqueNames()));
    return names;
  }
}

/**
 * Upgrades the manifests of one file to the current shapes by editing its text in place, so
 * comments, order, quoting and layout outside the changed fields stay byte for byte. Every
 * document of a Kastra kind is then validated as the API server would.
 */
export function upgradeManifestText(text: string, source: string, catalog: LlmCatalog, options: ManifestUpgradeOptions = {}): FileUpgrade {
  const documents = parseAllDocuments(text);
  const result: FileUpgrade = { source, before: text, after: text, documents: [], extracted: [] };
  if (!Array.isArray(documents)) return { ...result, error: 'not a YAML stream' };
  const broken = documents.find((document) => document.errors.length > 0);
  if (broken) return { ...result, error: `not valid YAML: ${broken.errors[0].message.split('\n')[0]}` };

  const edits: TextEdit[] = [];
  const appended: string[] = [];
  documents.forEach((document, index) => {
    const upgrade = upgradeDocument(document);
    edits.push(...upgrade.edits);
    const report: DocumentReport = { label: labelOf(document.toJS(), index), changes: upgrade.changes, notes: upgrade.notes, causes: [] };
    for (const inline of upgrade.inlineModels) {
      const model = `${inline.provider}/${inline.model}`;
      if (!options.extractLlms) {
        report.notes.push(`${inline.field}: inline model ${model} is current and kept (--extract-llms makes it an LLM and a ref)`);
        continue;
      }
      const provider = normalizeProviderName(inline.provider);
      if (!provider) {
        report.notes.push(`${inline.field}: inline model ${model}: provider "${inline.provider}" is not one Kastra serves: not extracted`);
        continue;
      }
      const llm = catalog.llmFor(inline.namespace, provider, inline.model);
      const replacement = inline.replace(llm.name);
      // The selector is replaced whole: edits inside it (a renamed key) are superseded.
      for (let i = edits.length - 1; i >= 0; i--) if (edits[i].start >= replacement.start && edits[i].end <= replacement.end) edits.splice(i, 1);
      edits.push(replacement);
      const detail = llm.created ? `inline model ${model} → LLM ${llm.name} (written at the end of this file) and ref` : `inline model ${model} → ref to the LLM ${llm.name} already declared`;
      report.changes.push({ rule: 'extract-llm', field: inline.field, detail });
      if (!llm.created) continue;
      appended.push(llmManifest(llm.name, inline.namespace, provider, inline.model, `${source} (document ${index + 1}, ${inline.field})`));
      result.extracted.push(llm.name);
      if (!PROVIDER_DEFAULTS[provider].baseUrl && provider !== 'mock') {
        report.notes.push(`LLM ${llm.name}: provider ${provider} has no default endpoint: set spec.options.baseURL and spec.secretRef`);
      }
    }
    result.documents.push(report);
  });

  let after = applyEdits(text, edits);
  if (appended.length > 0) after = `${after}${after.endsWith('\n') || after === '' ? '' : '\n'}${appended.map((doc) => `---\n${doc}`).join('')}`;
  result.after = after;
  validateUpgraded(after, result);
  return result;
}

/** Validates every Kastra document of the upgraded text; what is still refused is reported on its document. */
function validateUpgraded(text: string, result: FileUpgrade): void {
  parseAllDocuments(text).forEach((document, index) => {
    const value = (document as Document).toJS();
    if (value === null || value === undefined) return;
    const report = result.documents[index] ?? (result.documents[index] = { label: labelOf(value, index), changes: [], notes: [], causes: [] });
    if (!isKastraManifest(value)) {
      report.notes.push('not a Kastra manifest: left as is');
      return;
    }
    report.causes = validateResource(value);
  });
}

function isKastraManifest(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { apiVersion, kind } = value as { apiVersion?: unknown; kind?: unknown };
  return (typeof kind === 'string' && findBuiltinKind(kind) !== undefined) || (typeof apiVersion === 'string' && apiVersion.startsWith(`${API_GROUP}/`));
}

/** Applies non-overlapping edits to `text`. */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start);
  let result = text;
  let limit = Infinity;
  for (const edit of sorted) {
    if (edit.end > limit) throw new Error(`overlapping manifest edits at ${edit.start}`);
    result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
    limit = edit.start;
  }
  return result;
}

function llmManifest(name: string, namespace: string | undefined, provider: keyof typeof PROVIDER_DEFAULTS, model: string, from: string): string {
  const variable = PROVIDER_DEFAULTS[provider].apiKeyEnv;
  return stringify(
    {
      apiVersion: API_GROUP_VERSION,
      kind: 'LLM',
      metadata: { name, ...(namespace ? { namespace } : {}), annotations: { [MIGRATED_FROM_ANNOTATION]: from } },
      spec: { provider, model, ...(variable ? { apiKey: `\${${variable}}` } : {}) },
    },
    { lineWidth: 0 },
  );
}

function labelOf(value: unknown, index: number): string {
  const { kind, metadata } = (value ?? {}) as { kind?: unknown; metadata?: { name?: unknown } };
  const what = [typeof kind === 'string' ? kind : undefined, typeof metadata?.name === 'string' ? metadata.name : undefined].filter(Boolean).join(' ');
  return `${what || 'document'} (document ${index + 1})`;
}

function modelKey(namespace: string | undefined, provider: string, model: string): string {
  return `${namespace ?? ''}/${provider}/${model}`;
}
