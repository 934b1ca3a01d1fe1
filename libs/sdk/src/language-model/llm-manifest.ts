import { parseAllDocuments } from 'yaml';
import { DEFAULT_NAMESPACE, validateResource, type FieldCause, type Resource } from '@kastra/api';
import { normalizeProviderName, type ProviderName } from '@kastra/llm/provider-table';
import { ValidationError } from './validation-error';

/** As the gateway: enough anchors for manifests that share a block, too few for a YAML bomb. */
const MAX_ALIAS_COUNT = 100;

/** The fields of an LLM's spec a language model is built from (the kind's schema has them all). */
export interface LlmModelSpec {
  provider: string;
  model: string;
  apiKey?: string;
  apiKeys?: string[];
  secretRef?: { name: string; key: string };
  options?: {
    temperature?: number;
    maxTokens?: number;
    topP?: number;
    baseURL?: string;
    timeoutMs?: number;
    [option: string]: unknown;
  };
}

/** A valid LLM resource, read for building its language model. */
export interface LlmManifest {
  resource: Resource;
  namespace: string;
  name: string;
  /** `namespace.name`: how llm-proxy addresses the LLM. */
  handle: string;
  provider: ProviderName;
  spec: LlmModelSpec;
}

/** The one LLM manifest in `yaml`, validated by the API server's rules. */
export function parseLlmManifest(yaml: string): LlmManifest {
  return llmManifestOf(parseSingleDocument(yaml));
}

/**
 * Validates `resource` as the API server does (apiVersion, kind, metadata, the LLM schema) and
 * reads it; a ValidationError naming every invalid field otherwise.
 */
export function llmManifestOf(resource: unknown): LlmManifest {
  const nameOf = (value: unknown) => (typeof value === 'string' && value !== '' ? value : '');
  const metadata = (resource as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
  const name = nameOf(metadata?.name);
  const kind = (resource as { kind?: unknown } | null)?.kind;
  if (kind !== undefined && kind !== 'LLM') {
    throw new ValidationError('llms', name, [
      { reason: 'FieldValueNotSupported', field: 'kind', message: `Unsupported value: ${JSON.stringify(kind)}: supported values: "LLM"` },
    ]);
  }
  const causes = validateResource(resource);
  if (causes.length > 0) throw new ValidationError('llms', name, causes);
  const valid = resource as Resource<LlmModelSpec>;
  const namespace = nameOf(valid.metadata.namespace) || DEFAULT_NAMESPACE;
  const spec = valid.spec as LlmModelSpec;
  // The schema's enum and the provider table list the same providers.
  const provider = normalizeProviderName(spec.provider) as ProviderName;
  return { resource: resource as Resource, namespace, name, handle: `${namespace}.${name}`, provider, spec };
}

function parseSingleDocument(yaml: string): unknown {
  const documents = parseAllDocuments(yaml, { uniqueKeys: true });
  const list = (Array.isArray(documents) ? documents : [documents]).filter((doc) => doc.contents !== null || doc.errors.length > 0);
  if (list.length !== 1) {
    throw documentError(list.length === 0 ? 'the YAML holds no manifest: give one LLM' : `the YAML holds ${list.length} documents: give exactly one LLM`);
  }
  const [document] = list;
  if (document.errors.length > 0) throw documentError(`not valid YAML: ${document.errors[0].message.split('\n')[0]}`);
  try {
    return document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    throw documentError(`not acceptable YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}

function documentError(message: string): ValidationError {
  const cause: FieldCause = { reason: 'FieldValueInvalid', field: '', message };
  return new ValidationError('llms', '', [cause]);
}
