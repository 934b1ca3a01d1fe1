import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_NAMESPACE } from '@kastra/api';

/** One YAML document of an example file, ready to be applied. */
export interface ExampleManifest {
  /** Path relative to the repository root, for messages. */
  file: string;
  /** As written; where it is served decides the path it is applied to. */
  apiVersion?: string;
  kind: string;
  name: string;
  namespace: string;
  /** The document as written: the server-side apply body. */
  yaml: string;
  /** Provider examples need real API keys: applied, but nobody waits for them to be Ready. */
  waitForReady: boolean;
}

export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
  }
}

const PROVIDERS_DIR = 'providers';
/** A plugin's sample objects (examples/plugins/<name>/samples/) depend on the environment like providers: applied, not waited for. */
const SAMPLES_DIR = 'samples';

/**
 * Every document of every `.yaml`/`.yml` under `examplesDir`, CustomResourceDefinitions and
 * Secrets first (others may need them), then in file order.
 */
export function loadExampleManifests(examplesDir: string, root = path.dirname(examplesDir)): ExampleManifest[] {
  if (!fs.existsSync(examplesDir)) return [];
  const manifests: ExampleManifest[] = [];
  for (const file of yamlFiles(examplesDir)) {
    const relative = path.relative(root, file);
    const parts = path.relative(examplesDir, file).split(path.sep);
    const waitForReady = !parts.includes(PROVIDERS_DIR) && !(parts[0] === 'plugins' && parts.includes(SAMPLES_DIR));
    for (const document of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
      if (document.errors.length > 0) throw new ManifestError(relative, document.errors[0].message);
      const object = document.toJS() as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
      if (object === null || object === undefined) continue; // an empty document (trailing ---)
      if (typeof object.kind !== 'string' || typeof object.metadata?.name !== 'string') {
        throw new ManifestError(relative, 'every document needs kind and metadata.name');
      }
      manifests.push({
        file: relative,
        ...(typeof object.apiVersion === 'string' ? { apiVersion: object.apiVersion } : {}),
        kind: object.kind,
        name: object.metadata.name,
        namespace: typeof object.metadata.namespace === 'string' ? object.metadata.namespace : DEFAULT_NAMESPACE,
        yaml: document.toString(),
        waitForReady,
      });
    }
  }
  const rank = (m: ExampleManifest) => (m.kind === 'CustomResourceDefinition' ? 0 : m.kind === 'Secret' ? 1 : 2);
  return manifests.map((m, i) => ({ m, i })).sort((a, b) => rank(a.m) - rank(b.m) || a.i - b.i).map(({ m }) => m);
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...yamlFiles(full));
    else if (/\.ya?ml$/.test(entry.name)) out.push(full);
  }
  return out;
}
