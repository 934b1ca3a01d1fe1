import * as ts from 'typescript';
import type { MigrationContext } from './migrate-mastra-context';
import { dedentText, literalValue, property, propertyKey, stringValue, textValue } from './migrate-literal-values';
import { llmFor } from './migrate-mastra-llms';
import { isMastraConstruct } from './migrate-mastra-constructs';
import { reportOtherOptions, toolFromCreateTool, variableNameOf } from './migrate-mastra-tools';
import { readModel } from './migrate-model-reference';
import { resourceName } from './migrate-names';

const AGENT_KEYS = new Set(['id', 'name', 'description', 'instructions', 'model', 'tools', 'memory', 'defaultGenerateOptions', 'defaultStreamOptions', 'defaultOptions']);
const AGENT_HINTS: Record<string, string> = {
  agents: 'sub-agents have no Agent field: a Network resource routes between agents',
  workflows: 'workflows an agent calls have no Agent field: call the Workflow from a workflow step, or run it with kastra run',
  scorers: 'scorers have no Kastra equivalent: left out',
  evals: 'evals have no Kastra equivalent: left out',
  voice: 'voice has no Kastra equivalent: left out',
};
const DEFAULT_LAST_MESSAGES = 10;
const PLACEHOLDER_INSTRUCTIONS = 'These instructions were not migrated from Mastra: see the mastra.ai/migration-todo annotation.';

/** The Agent of a `new Agent({...})` (made once however often it is used). */
export function agentFromNew(expression: ts.NewExpression, ctx: MigrationContext): string | undefined {
  const known = ctx.nameOf('Agent', expression);
  if (known) return known;
  const config = expression.arguments?.[0] && ctx.sources.resolve(expression.arguments[0]);
  if (!config || !ts.isObjectLiteralExpression(config)) {
    ctx.report.notTranslated('new Agent', ctx.at(expression), 'its options are not an object literal the migration can read');
    return undefined;
  }
  const text = (key: string) => {
    const value = property(config, key);
    return value && stringValue(value, ctx.sources);
  };
  const name = ctx.claimName('Agent', expression, resourceName(text('id') ?? text('name') ?? variableNameOf(expression) ?? 'agent'));
  const label = `Agent ${name}`;
  const spec: Record<string, unknown> = {};
  const todos: string[] = [];
  const description = text('description');
  if (description) spec.description = description;

  const instructions = property(config, 'instructions');
  const instructionText = instructions && textValue(instructions, ctx.sources);
  if (instructionText !== undefined && instructionText.trim() !== '') {
    spec.instructions = dedentText(instructionText);
    ctx.report.translated(`${label}: instructions`, ctx.at(instructions!), 'the system prompt');
  } else {
    spec.instructions = PLACEHOLDER_INSTRUCTIONS;
    todos.push('write spec.instructions');
    const why = instructions ? 'they are computed at run time' : 'the agent has none';
    ctx.report.notTranslated(`${label}: instructions`, ctx.at(instructions ?? expression), `${why}: a placeholder stands in`);
  }

  const model = property(config, 'model');
  const reading = model ? readModel(model, ctx.sources) : { ok: false as const, reason: 'the agent names no model' };
  if (reading.ok) {
    spec.model = { ref: llmFor(reading, model!, ctx) };
    ctx.report.translated(`${label}: model`, ctx.at(model!), `ref to LLM ${spec.model && (spec.model as { ref: string }).ref} (${reading.provider}/${reading.model})`);
    for (const note of reading.notes) ctx.report.approximated(`${label}: model`, ctx.at(model!), note);
  } else if (reading.unserved && ctx.options.providerOverride) {
    spec.model = { ref: llmFor(reading.unserved, model!, ctx) };
    ctx.report.approximated(`${label}: model`, ctx.at(model!), `${reading.reason}: ref to LLM ${(spec.model as { ref: string }).ref}, served by --provider-override ${ctx.options.providerOverride}`);
  } else {
    todos.push('set spec.model');
    ctx.report.notTranslated(`${label}: model`, ctx.at(model ?? expression), `${reading.reason}: the Agent has no model and is not Ready until spec.model is set`);
  }

  const tools = property(config, 'tools');
  if (tools) spec.tools = agentTools(tools, label, ctx);
  const memory = property(config, 'memory');
  if (memory) {
    const translated = memorySpec(memory, label, ctx);
    if (translated) spec.memory = translated;
  }
  for (const key of ['defaultGenerateOptions', 'defaultStreamOptions', 'defaultOptions']) {
    const options = property(config, key);
    if (options) readDefaultOptions(options, `${label}: ${key}`, spec, ctx);
  }
  reportOtherOptions(config, AGENT_KEYS, label, ctx, AGENT_HINTS);
  const resource = ctx.add('Agent', name, expression, spec);
  for (const todo of todos) ctx.addTodo(resource, todo);
  return name;
}

/** `tools: { weatherTool, forecast: forecastTool }`: the key is the name the model sees. */
function agentTools(expression: ts.Expression, label: string, ctx: MigrationContext): Array<{ name: string; refName?: string }> {
  const tools = ctx.sources.resolve(expression);
  const entries: Array<{ name: string; refName?: string }> = [];
  if (!ts.isObjectLiteralExpression(tools)) {
    ctx.report.notTranslated(`${label}: tools`, ctx.at(expression), 'the tools are chosen at run time (not an object literal): none carried over');
    return entries;
  }
  for (const element of tools.properties) {
    const key = element.name ? propertyKey(element.name) : undefined;
    const value = ts.isPropertyAssignment(element) ? element.initializer : ts.isShorthandPropertyAssignment(element) ? element.name : undefined;
    const resolved = value && ctx.sources.resolve(value);
    const toolName = resolved && ts.isCallExpression(resolved) && isMastraConstruct(resolved, 'createTool', ctx.sources) ? toolFromCreateTool(resolved, ctx) : undefined;
    if (key === undefined || toolName === undefined) {
      ctx.report.notTranslated(`${label}: tools`, ctx.at(element), `\`${element.getText().slice(0, 60)}\` is not a createTool the migration can read (MCP and dynamic tools: declare them as Tools with spec.mcp)`);
      continue;
    }
    entries.push(key === toolName ? { name: key } : { name: key, refName: toolName });
    ctx.report.translated(`${label}: tool ${key}`, ctx.at(element), `refers to Tool ${toolName}`);
  }
  return entries;
}

/** `new Memory({ options: { lastMessages } })` as buffer memory of the last messages. */
function memorySpec(expression: ts.Expression, label: string, ctx: MigrationContext): Record<string, unknown> | undefined {
  const memory = ctx.sources.resolve(expression);
  const at = ctx.at(expression);
  if (!ts.isNewExpression(memory) || !ts.isIdentifier(memory.expression) || memory.expression.text !== 'Memory') {
    ctx.report.notTranslated(`${label}: memory`, at, 'not a `new Memory(...)` the migration can read: no memory');
    return undefined;
  }
  const config = memory.arguments?.[0] && ctx.sources.resolve(memory.arguments[0]);
  const options = config && ts.isObjectLiteralExpression(config) ? property(config, 'options') : undefined;
  const resolvedOptions = options && ctx.sources.resolve(options);
  const lastMessages = resolvedOptions && ts.isObjectLiteralExpression(resolvedOptions) ? property(resolvedOptions, 'lastMessages') : undefined;
  const count = lastMessages ? literalValue(lastMessages, ctx.sources) : undefined;
  const spec = { enabled: true, type: 'buffer', lastMessages: typeof count === 'number' && count >= 1 ? count : DEFAULT_LAST_MESSAGES };
  ctx.report.translated(`${label}: memory`, at, `buffer memory of the last ${spec.lastMessages} messages, kept per thread in Kastra's event log`);
  if (config && ts.isObjectLiteralExpression(config)) {
    for (const element of config.properties) {
      const key = element.name ? propertyKey(element.name) : undefined;
      if (key === 'options') continue;
      ctx.report.notTranslated(`${label}: memory ${key ?? ''}`.trim(), ctx.at(element), 'Kastra keeps agent memory in its own event log: left out');
    }
  }
  if (resolvedOptions && ts.isObjectLiteralExpression(resolvedOptions)) {
    for (const element of resolvedOptions.properties) {
      const key = element.name ? propertyKey(element.name) : undefined;
      if (key === 'lastMessages') continue;
      ctx.report.approximated(`${label}: memory options.${key ?? '?'}`, ctx.at(element), 'no Kastra equivalent (Kastra memory is the last messages of the thread): left out');
    }
  }
  return spec;
}

function readDefaultOptions(expression: ts.Expression, label: string, spec: Record<string, unknown>, ctx: MigrationContext): void {
  const options = ctx.sources.resolve(expression);
  if (!ts.isObjectLiteralExpression(options)) {
    ctx.report.notTranslated(label, ctx.at(expression), 'not an object literal: left out');
    return;
  }
  const maxSteps = property(options, 'maxSteps');
  const steps = maxSteps && literalValue(maxSteps, ctx.sources);
  if (typeof steps === 'number' && Number.isInteger(steps) && steps >= 1) {
    spec.maxSteps = steps;
    ctx.report.translated(`${label}.maxSteps`, ctx.at(maxSteps!), `spec.maxSteps ${steps}`);
  }
  reportOtherOptions(options, new Set(typeof steps === 'number' ? ['maxSteps'] : []), label, ctx);
}
