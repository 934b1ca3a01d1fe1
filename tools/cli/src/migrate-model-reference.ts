import * as ts from 'typescript';
import { normalizeProviderName, type ProviderName } from '@kastra/llm/provider-table';
import { property, propertyKey, stringValue } from './migrate-literal-values';
import type { MastraSources } from './migrate-mastra-sources';

/** A model a Mastra agent names, as a Kastra provider and model. */
export interface ModelChoice {
  provider: ProviderName;
  model: string;
  /** What of the Mastra value was left behind (provider settings, fallbacks), one sentence each. */
  notes: string[];
}

/** A failed reading; `unserved` is a model that was read but whose provider Kastra has no adapter for (`--provider-override` can still serve it). */
export type ModelReading = ({ ok: true } & ModelChoice) | { ok: false; reason: string; unserved?: { provider: string; model: string } };

/** Mastra's model-router provider ids Kastra knows by another name. */
const MASTRA_PROVIDER_ALIASES: Record<string, ProviderName> = { moonshotai: 'kimi', alibaba: 'qwen', 'google-generative-ai': 'google', vertex: 'google' };
/** AI SDK provider packages and the provider each serves. */
const AI_SDK_PACKAGES: Record<string, string> = {
  '@ai-sdk/openai': 'openai',
  '@ai-sdk/anthropic': 'anthropic',
  '@ai-sdk/google': 'google',
  '@ai-sdk/groq': 'groq',
  '@ai-sdk/azure': 'azure',
  '@ai-sdk/openai-compatible': 'openai-compatible',
  'ollama-ai-provider': 'ollama',
  'ollama-ai-provider-v2': 'ollama',
  'qwen-ai-provider': 'qwen',
};
/** `openai.chat('gpt-4o')` and friends: the same model through another API of the provider. */
const MODEL_FACTORY_METHODS = new Set(['chat', 'responses', 'languageModel', 'completion', 'messages']);

/**
 * The provider and model of a Mastra `model` value: an AI SDK call (`openai('gpt-4o')`,
 * `anthropic('claude-3-5-sonnet-latest')`, `openai.chat(...)`, a `createOpenAI({...})` instance),
 * a model-router string (`'openai/gpt-4o'`), a router config (`{ id: 'openai/gpt-4o', ... }`) or a
 * fallback list (its first model). Functions (models chosen at run time) cannot be read.
 */
export function readModel(expression: ts.Expression, sources: MastraSources): ModelReading {
  const node = sources.resolve(expression);
  const text = stringValue(node, sources);
  if (text !== undefined) return fromRouterId(text, []);
  if (ts.isCallExpression(node)) return fromFactoryCall(node, sources);
  if (ts.isObjectLiteralExpression(node)) return fromRouterConfig(node, sources);
  if (ts.isArrayLiteralExpression(node)) {
    const [first, ...fallbacks] = node.elements;
    if (!first) return { ok: false, reason: 'the model list is empty' };
    const entry = sources.resolve(first);
    const model = ts.isObjectLiteralExpression(entry) ? property(entry, 'model') : undefined;
    const reading = readModel(model ?? first, sources);
    if (!reading.ok || fallbacks.length === 0) return reading;
    const others = fallbacks.map((f) => f.getText().replace(/\s+/g, ' ')).join(', ');
    return { ...reading, notes: [...reading.notes, `the fallback models (${others}) are not carried over: list LLMs in the LLM's spec.fallbacks`] };
  }
  if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) return { ok: false, reason: 'the model is chosen by a function at run time' };
  return { ok: false, reason: `\`${node.getText().slice(0, 60)}\` is not a model Kastra can read` };
}

/** The Kastra provider a Mastra or AI SDK provider name means, if Kastra has an adapter for it. */
export function kastraProvider(name: string): ProviderName | undefined {
  const lower = name.trim().toLowerCase();
  return MASTRA_PROVIDER_ALIASES[lower] ?? normalizeProviderName(lower);
}

function fromRouterId(id: string, notes: string[]): ModelReading {
  const slash = id.indexOf('/');
  if (slash <= 0 || slash === id.length - 1) return { ok: false, reason: `"${id}" is not a provider/model id` };
  const provider = kastraProvider(id.slice(0, slash));
  if (!provider) return { ok: false, reason: `provider "${id.slice(0, slash)}" has no Kastra adapter`, unserved: { provider: id.slice(0, slash), model: id.slice(slash + 1) } };
  return { ok: true, provider, model: id.slice(slash + 1), notes };
}

function fromFactoryCall(call: ts.CallExpression, sources: MastraSources): ModelReading {
  const [modelArgument, settings] = call.arguments;
  const model = modelArgument && stringValue(modelArgument, sources);
  if (model === undefined) return { ok: false, reason: `the model name of \`${call.getText().slice(0, 60)}\` cannot be read` };
  let callee = call.expression;
  if (ts.isPropertyAccessExpression(callee) && MODEL_FACTORY_METHODS.has(callee.name.text)) callee = callee.expression;
  if (!ts.isIdentifier(callee)) return { ok: false, reason: `\`${call.expression.getText()}\` is not a provider Kastra knows` };
  const notes = settings ? [`the model settings \`${settings.getText().replace(/\s+/g, ' ')}\` are not carried over: set spec.options on the LLM`] : [];
  const origin = providerOfFactory(callee, sources);
  if (!origin) return { ok: false, reason: `\`${callee.text}\` is not a provider Kastra knows` };
  const provider = kastraProvider(origin.provider);
  if (!provider) return { ok: false, reason: `provider "${origin.provider}" has no Kastra adapter`, unserved: { provider: origin.provider, model } };
  return { ok: true, provider, model, notes: [...notes, ...origin.notes] };
}

/** Which provider a factory (`openai`, or `const gw = createOpenAI({...})`) belongs to. */
function providerOfFactory(callee: ts.Identifier, sources: MastraSources): { provider: string; notes: string[] } | undefined {
  const module = sources.packageOf(callee);
  if (module !== undefined) {
    // Another AI SDK provider package (@ai-sdk/mistral): its name is the provider's.
    const provider = AI_SDK_PACKAGES[module] ?? (module.startsWith('@ai-sdk/') ? module.slice('@ai-sdk/'.length) : undefined);
    return provider ? { provider, notes: [] } : undefined;
  }
  const resolved = sources.resolve(callee);
  if (ts.isCallExpression(resolved) && ts.isIdentifier(resolved.expression)) {
    const creator = resolved.expression;
    const creatorModule = sources.packageOf(creator);
    const provider = creatorModule ? AI_SDK_PACKAGES[creatorModule] : /^create(\w+)$/.exec(creator.text)?.[1]?.toLowerCase();
    if (!provider) return undefined;
    const settings = resolved.arguments[0]?.getText().replace(/\s+/g, ' ');
    return { provider, notes: settings ? [`the provider settings \`${settings}\` of \`${callee.text}\` are not carried over: set spec.options.baseURL or spec.secretRef on the LLM`] : [] };
  }
  // Not imported and not defined here: take the name itself (`openai`, `anthropic`).
  return ts.isIdentifier(resolved) ? { provider: callee.text, notes: [] } : undefined;
}

function fromRouterConfig(config: ts.ObjectLiteralExpression, sources: MastraSources): ModelReading {
  const id = property(config, 'id');
  const providerId = property(config, 'providerId');
  const modelId = property(config, 'modelId');
  const handled = new Set(['id', 'providerId', 'modelId']);
  const others = config.properties.map((p) => (p.name ? propertyKey(p.name) : undefined)).filter((k): k is string => k !== undefined && !handled.has(k));
  const notes = others.length > 0 ? [`the router settings ${others.join(', ')} are not carried over: set them on the LLM (keys in a Secret)`] : [];
  const idText = id && stringValue(id, sources);
  if (idText !== undefined) return fromRouterId(idText, notes);
  const providerText = providerId && stringValue(providerId, sources);
  const modelText = modelId && stringValue(modelId, sources);
  if (providerText !== undefined && modelText !== undefined) return fromRouterId(`${providerText}/${modelText}`, notes);
  return { ok: false, reason: 'the model config names no id' };
}
