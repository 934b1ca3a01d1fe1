import type * as ts from 'typescript';
import { PROVIDER_DEFAULTS, normalizeProviderName, providerNeedsBaseUrl } from '@kastra/llm/provider-table';
import { MIGRATED_PROVIDER_ANNOTATION, MIGRATION_TODO_ANNOTATION, type MigrationContext } from './migrate-mastra-context';
import { resourceName } from './migrate-names';

/**
 * The LLM serving a model a Mastra agent names: one per distinct provider and model, named
 * `<provider>-<model>`, with the provider's own key variable as its `${VAR}` key (the one
 * Kastra allows by default). Under `--provider-override` the LLM keeps the model name and the
 * original provider in an annotation.
 */
export function llmFor(choice: { provider: string; model: string }, from: ts.Node, ctx: MigrationContext): string {
  const key = `${choice.provider}/${choice.model}`;
  const known = ctx.nameOf('LLM', key);
  if (known) return known;
  const name = ctx.claimName('LLM', key, resourceName(`${choice.provider}-${choice.model}`, 'llm'));
  // A provider Kastra has no adapter for comes here only under --provider-override.
  const provider = ctx.options.providerOverride ?? normalizeProviderName(choice.provider);
  if (!provider) throw new Error(`no Kastra provider for ${key}`);
  const variable = PROVIDER_DEFAULTS[provider].apiKeyEnv;
  const spec: Record<string, unknown> = { provider, model: choice.model, ...(variable ? { apiKey: `\${${variable}}` } : {}) };
  const annotations: Record<string, string> = {};
  const label = `LLM ${name}`;
  if (provider !== choice.provider) {
    annotations[MIGRATED_PROVIDER_ANNOTATION] = choice.provider;
    ctx.report.approximated(label, ctx.at(from), `${key} served by provider ${provider} (--provider-override); the Mastra provider is kept in ${MIGRATED_PROVIDER_ANNOTATION}`);
  } else if (providerNeedsBaseUrl(provider)) {
    annotations[MIGRATION_TODO_ANNOTATION] = `set spec.options.baseURL and a key in a Secret (spec.secretRef): provider ${provider} has no default endpoint`;
    ctx.report.approximated(label, ctx.at(from), `${key}: set spec.options.baseURL and spec.secretRef (provider ${provider} has no default endpoint)`);
  } else {
    ctx.report.translated(label, ctx.at(from), `${key}${variable ? `, key \${${variable}} (set it in Kastra's environment)` : ''}`);
  }
  ctx.add('LLM', name, from, spec, annotations);
  return name;
}
