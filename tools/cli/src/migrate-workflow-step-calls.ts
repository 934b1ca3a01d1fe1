import * as ts from 'typescript';
import type { MigrationContext } from './migrate-mastra-context';
import { agentFromNew } from './migrate-mastra-agents';
import { isMastraConstruct } from './migrate-mastra-constructs';
import { literalValue, property, stringValue } from './migrate-literal-values';
import { addTool, reportOtherOptions, toolFromCreateTool } from './migrate-mastra-tools';
import { resourceName } from './migrate-names';

/** What a Kastra step calls: exactly one of an Agent, a Tool or a Workflow (a nested run). */
export type StepCall = { agent: string } | { tool: string } | { workflow: string };

/** A Mastra step as a Kastra step call, with the id Mastra gives it. */
export interface ResolvedStep {
  /** The Mastra step id (the key of its output after `.branch()` and `.parallel()`). */
  mastraId: string;
  call: StepCall;
  /** `createStep({ retries })` as attempts in all. */
  maxAttempts?: number;
  node: ts.Node;
}

const CREATE_STEP_KEYS = new Set(['id', 'description', 'inputSchema', 'outputSchema', 'execute', 'retries']);
const CREATE_STEP_HINTS: Record<string, string> = {
  suspendSchema: 'suspending steps: a Kastra step with `suspend: {message, resumeSchema}` pauses a run; write it by hand',
  resumeSchema: 'suspending steps: a Kastra step with `suspend: {message, resumeSchema}` pauses a run; write it by hand',
  stateSchema: 'workflow state has no Kastra equivalent: steps pass data through their outputs',
  scorers: 'scorers have no Kastra equivalent: left out',
};

/**
 * What `.then(x)` (or a branch arm, a parallel member, a loop body) calls in Kastra terms:
 * `createStep({...})` becomes a Tool `<workflow>-<step id>` (a script of its execute),
 * `createStep(agent)` or an agent an Agent call, `createStep(tool)` or a tool a Tool call, a
 * workflow a nested Workflow run. `workflowOf` converts a nested workflow.
 */
export function resolveStep(
  expression: ts.Expression,
  workflowName: string,
  ctx: MigrationContext,
  workflowOf: (create: ts.CallExpression) => string | undefined,
): ResolvedStep | string {
  const node = ctx.sources.resolve(expression);
  if (ts.isNewExpression(node) && isMastraConstruct(node, 'Agent', ctx.sources)) return agentStep(node, ctx);
  if (!ts.isCallExpression(node)) return `\`${expression.getText().slice(0, 60)}\` is not a step the migration can read`;
  if (isMastraConstruct(node, 'createTool', ctx.sources)) return toolStep(node, ctx);
  const create = workflowRootOf(node, ctx);
  if (create) {
    const name = workflowOf(create);
    return name ? { mastraId: literalId(create, ctx) ?? name, call: { workflow: name }, node } : 'the nested workflow could not be read';
  }
  if (!isMastraConstruct(node, 'createStep', ctx.sources)) return `\`${expression.getText().slice(0, 60)}\` is not a createStep, agent, tool or workflow`;
  ctx.usedSteps.add(node);
  const argument = node.arguments[0] && ctx.sources.resolve(node.arguments[0]);
  if (argument && ts.isNewExpression(argument) && isMastraConstruct(argument, 'Agent', ctx.sources)) return agentStep(argument, ctx);
  if (argument && ts.isCallExpression(argument) && isMastraConstruct(argument, 'createTool', ctx.sources)) return toolStep(argument, ctx);
  if (!argument || !ts.isObjectLiteralExpression(argument)) return 'its options are not an object literal the migration can read';
  return inlineStep(node, argument, workflowName, ctx);
}

function agentStep(agent: ts.NewExpression, ctx: MigrationContext): ResolvedStep | string {
  const name = agentFromNew(agent, ctx);
  return name ? { mastraId: name, call: { agent: name }, node: agent } : 'the agent could not be read';
}

function toolStep(tool: ts.CallExpression, ctx: MigrationContext): ResolvedStep | string {
  const name = toolFromCreateTool(tool, ctx);
  return name ? { mastraId: literalId(tool, ctx) ?? name, call: { tool: name }, node: tool } : 'the tool could not be read';
}

/** The literal `id` of a construct's options object. */
function literalId(call: ts.CallExpression | ts.NewExpression, ctx: MigrationContext): string | undefined {
  const config = call.arguments?.[0] && ctx.sources.resolve(call.arguments[0]);
  const id = config && ts.isObjectLiteralExpression(config) ? property(config, 'id') : undefined;
  return id && stringValue(id, ctx.sources);
}

/** `createStep({ id, inputSchema, outputSchema, execute })`: its own Tool, made once. */
function inlineStep(create: ts.CallExpression, config: ts.ObjectLiteralExpression, workflowName: string, ctx: MigrationContext): ResolvedStep {
  const idExpression = property(config, 'id');
  const mastraId = (idExpression && stringValue(idExpression, ctx.sources)) ?? 'step';
  const retries = property(config, 'retries');
  const retryCount = retries ? literalValue(retries, ctx.sources) : undefined;
  const maxAttempts = typeof retryCount === 'number' && retryCount >= 0 ? retryCount + 1 : undefined;
  const known = ctx.nameOf('Tool', create);
  if (known) return { mastraId, call: { tool: known }, maxAttempts, node: create };
  const name = ctx.claimName('Tool', create, resourceName(`${workflowName}-${mastraId}`, 'step'));
  const label = `Step ${mastraId}`;
  const description = property(config, 'description');
  ctx.report.translated(label, ctx.at(create), `a step calling Tool ${name}`);
  if (retries) {
    if (maxAttempts !== undefined) ctx.report.translated(`${label}: retries`, ctx.at(retries), `retry.maxAttempts ${maxAttempts}`);
    else ctx.report.notTranslated(`${label}: retries`, ctx.at(retries), 'not a literal number: left out');
  }
  reportOtherOptions(config, CREATE_STEP_KEYS, label, ctx, CREATE_STEP_HINTS);
  addTool(
    {
      node: create,
      label,
      name,
      description: description && stringValue(description, ctx.sources),
      inputSchema: property(config, 'inputSchema'),
      outputSchema: property(config, 'outputSchema'),
      execute: property(config, 'execute'),
      shape: 'step',
    },
    ctx,
  );
  return { mastraId, call: { tool: name }, maxAttempts, node: create };
}

/** The `createWorkflow(...)` a builder chain (`createWorkflow(...).then(a).commit()`) starts from. */
export function workflowRootOf(node: ts.CallExpression, ctx: MigrationContext): ts.CallExpression | undefined {
  let current: ts.Expression = node;
  while (ts.isCallExpression(current)) {
    if (isMastraConstruct(current, 'createWorkflow', ctx.sources)) return current;
    if (!ts.isPropertyAccessExpression(current.expression)) return undefined;
    current = ctx.sources.resolve(current.expression.expression);
  }
  return undefined;
}
