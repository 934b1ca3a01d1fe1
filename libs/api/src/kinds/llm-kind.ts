import { MASTRA_KIND_PLACEMENT } from '../resource';
import type { FieldCause } from '../api-errors';
import { BUILTIN_KIND_NAMES } from './kind-names';
import type { JsonSchema } from '../kind-definition';
import { specReferences } from '../references';
import { asArray, asRecord, type BuiltinKind, type RawReference } from './builtin-kind';
import { ageColumn, PRESERVE_UNKNOWN, readyColumn, resourceSchema } from './resource-schema';
import {
  ENV_REFERENCE_PATTERN,
  LLM_PROVIDERS,
  positiveInteger,
  referenceStringSchema,
  secretKeySelectorSchema,
} from './spec-schemas';
import type { FieldPathSegment } from '../field-path';

const DESCRIPTION = 'A language model at a provider, with the key to call it; registered with llm-proxy.';

export const llmSpecSchema: JsonSchema = {
  type: 'object',
  description: 'The provider, model and credentials.',
  required: ['provider', 'model'],
  additionalProperties: false,
  properties: {
    provider: { type: 'string', enum: [...LLM_PROVIDERS], description: 'The provider; `mock` needs no key.' },
    model: { type: 'string', minLength: 1, description: 'The provider model name, e.g. gpt-4o.' },
    apiKey: {
      type: 'string',
      pattern: ENV_REFERENCE_PATTERN,
      description: 'An environment reference such as ${OPENAI_API_KEY}; literal keys belong in a Secret.',
    },
    apiKeys: {
      type: 'array',
      description: 'A key pool (environment references); llm-proxy rotates through it.',
      items: { type: 'string', pattern: ENV_REFERENCE_PATTERN, description: 'An environment reference.' },
    },
    secretRef: secretKeySelectorSchema,
    options: {
      type: 'object',
      description: 'Provider options; unknown ones are passed to the provider adapter.',
      [PRESERVE_UNKNOWN]: true,
      properties: {
        temperature: { type: 'number', minimum: 0, maximum: 2, description: 'Sampling temperature.' },
        maxTokens: positiveInteger('Upper bound of generated tokens.'),
        topP: { type: 'number', minimum: 0, maximum: 1, description: 'Nucleus sampling.' },
        baseURL: { type: 'string', format: 'uri', description: 'Provider endpoint, e.g. for qwen, ollama or azure.' },
        timeoutMs: positiveInteger('Per-request timeout in milliseconds.'),
      },
    },
    rateLimits: {
      type: 'object',
      description: 'Limits enforced by llm-proxy across all replicas.',
      additionalProperties: false,
      properties: {
        requestsPerMinute: positiveInteger('Requests per minute (RPM).'),
        tokensPerMinute: positiveInteger('Tokens per minute (TPM).'),
      },
    },
    fallbacks: {
      type: 'array',
      description: 'LLM resources tried in order when this one fails or is rate limited.',
      items: referenceStringSchema('An LLM: `namespace.name` or `name`.'),
    },
  },
};

function rawReferences(spec: Record<string, unknown>, at: FieldPathSegment[]): RawReference[] {
  const refs: RawReference[] = [];
  const secretRef = asRecord(spec.secretRef);
  if (secretRef && typeof secretRef.name === 'string') {
    refs.push({ kind: 'Secret', ref: secretRef.name, at: [...at, 'secretRef'] });
  }
  asArray(spec.fallbacks).forEach((ref, i) => refs.push({ kind: 'LLM', ref, at: [...at, 'fallbacks', i] }));
  return refs;
}

function specCauses(): FieldCause[] {
  // A key is optional here: mock and ollama need none, and a missing key is a Ready=False
  // condition (the environment may gain it), not a reason to reject the manifest.
  return [];
}

export const llmKind: BuiltinKind = {
  ...BUILTIN_KIND_NAMES.LLM,
  ...MASTRA_KIND_PLACEMENT,
  hasStatus: true,
  description: DESCRIPTION,
  specSchema: llmSpecSchema,
  schema: resourceSchema('LLM', DESCRIPTION, llmSpecSchema),
  printerColumns: [
    { name: 'Provider', type: 'string', jsonPath: '.spec.provider', description: 'The provider.' },
    { name: 'Model', type: 'string', jsonPath: '.spec.model', description: 'The provider model.' },
    readyColumn,
    ageColumn,
  ],
  rawReferences,
  specCauses,
  references: specReferences(rawReferences),
};
