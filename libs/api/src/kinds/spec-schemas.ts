import type { JsonSchema } from '../kind-definition';
import { DNS_LABEL_MAX_LENGTH, DNS_LABEL_PATTERN } from '../object-meta-validation';
import { PRESERVE_UNKNOWN } from './resource-schema';

/** Providers the llm-proxy has adapters for. `mock` answers locally, with no key. */
export const LLM_PROVIDERS = [
  'openai',
  'anthropic',
  'google',
  'groq',
  'qwen',
  'kimi',
  'ollama',
  'azure',
  'openai-compatible',
  'mock',
] as const;
export type LlmProvider = (typeof LLM_PROVIDERS)[number];

/** `${ENV_NAME}`: keys are named, never written into a manifest (they would land in the event log). */
export const ENV_REFERENCE_PATTERN = '^\\$\\{[A-Za-z_][A-Za-z0-9_]*\\}$';
/** `500ms`, `30s`, `5m`, `1h`. */
export const DURATION_PATTERN = '^[0-9]+(ms|s|m|h)$';

export function freeForm(description: string): JsonSchema {
  return { type: 'object', description, [PRESERVE_UNKNOWN]: true };
}

export function dnsLabelSchema(description: string): JsonSchema {
  return { type: 'string', description, pattern: DNS_LABEL_PATTERN, maxLength: DNS_LABEL_MAX_LENGTH };
}

/** A reference written as a string (`ns.name`, `name`, `plural/name`) — see references.ts. */
export function referenceStringSchema(description: string): JsonSchema {
  return { type: 'string', description, minLength: 1 };
}

/** A reference written as a string or as `{name, namespace}`. */
export function objectReferenceSchema(description: string): JsonSchema {
  return {
    description,
    anyOf: [
      referenceStringSchema('`namespace.name`, `name` (same namespace) or `plural/name`.'),
      {
        type: 'object',
        description: 'Name and optional namespace of the referenced resource.',
        required: ['name'],
        additionalProperties: false,
        properties: {
          name: dnsLabelSchema('Name of the referenced resource.'),
          namespace: dnsLabelSchema('Namespace of the referenced resource. @default the referring namespace'),
        },
      },
    ],
  };
}

/** One key of a Secret in the same namespace. */
export const secretKeySelectorSchema: JsonSchema = {
  type: 'object',
  description: 'A key of a Secret in the same namespace.',
  required: ['name', 'key'],
  additionalProperties: false,
  properties: {
    name: dnsLabelSchema('Name of the Secret.'),
    key: { type: 'string', description: 'Key within the Secret data.', minLength: 1 },
  },
};

/** `model: {ref: ns.name}` or `model: {provider, name}` (exactly one form; checked in code). */
export const modelSelectorSchema: JsonSchema = {
  type: 'object',
  description: 'The model: a reference to an LLM resource, or an inline provider and model name.',
  additionalProperties: false,
  properties: {
    ref: referenceStringSchema('An LLM resource: `namespace.name`, `name` or `llms/name`.'),
    provider: { type: 'string', enum: [...LLM_PROVIDERS], description: 'Inline model: the provider.' },
    name: { type: 'string', minLength: 1, description: 'Inline model: the provider model name, e.g. gpt-4o.' },
  },
};

/** Step and call limits. */
export function positiveInteger(description: string): JsonSchema {
  return { type: 'integer', minimum: 1, description };
}
