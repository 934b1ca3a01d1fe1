import * as ts from 'typescript';
import type { Resource } from '@kastra/api';
import { MIGRATION_TODO_ANNOTATION, type MigrationContext } from './migrate-mastra-context';
import { propertyKey, stringValue } from './migrate-literal-values';
import { property } from './migrate-literal-values';
import { resourceName } from './migrate-names';
import { convertToScript, functionOf, type FunctionShape } from './migrate-script-body';
import { zodToJsonSchema, type JsonSchema } from './migrate-zod-schema';

/** What a Tool is made of: a `createTool`, a `createStep` or a `.map()` function. */
export interface ToolSource {
  node: ts.Node;
  /** For the report: `Tool get-weather`, `Step assess-conditions`. */
  label: string;
  name: string;
  description?: string;
  inputSchema?: ts.Expression;
  outputSchema?: ts.Expression;
  execute?: ts.Expression;
  shape: FunctionShape;
}

/** `createTool` options `kastra migrate` carries over; every other one is reported. */
const CREATE_TOOL_KEYS = new Set(['id', 'description', 'inputSchema', 'outputSchema', 'execute']);
const MAX_QUOTED_LINES = 60;

/** The Tool of a `createTool({...})` call (made once however many agents and steps use it). */
export function toolFromCreateTool(call: ts.CallExpression, ctx: MigrationContext): string | undefined {
  const known = ctx.nameOf('Tool', call);
  if (known) return known;
  const config = call.arguments[0] && ctx.sources.resolve(call.arguments[0]);
  if (!config || !ts.isObjectLiteralExpression(config)) {
    ctx.report.notTranslated('createTool', ctx.at(call), 'its options are not an object literal the migration can read');
    return undefined;
  }
  const idExpression = property(config, 'id');
  const id = idExpression && stringValue(idExpression, ctx.sources);
  const name = ctx.claimName('Tool', call, resourceName(id ?? variableNameOf(call) ?? 'tool'));
  const label = `Tool ${name}`;
  if (id === undefined) ctx.report.approximated(label, ctx.at(call), `no literal id: named ${name}`);
  const description = property(config, 'description');
  const descriptionText = description && stringValue(description, ctx.sources);
  if (description && descriptionText === undefined) ctx.report.notTranslated(`${label}: description`, ctx.at(description), 'not a literal string: left out');
  reportOtherOptions(config, CREATE_TOOL_KEYS, label, ctx);
  addTool(
    {
      node: call,
      label,
      name,
      description: descriptionText,
      inputSchema: property(config, 'inputSchema'),
      outputSchema: property(config, 'outputSchema'),
      execute: property(config, 'execute'),
      shape: 'tool',
    },
    ctx,
  );
  return name;
}

/**
 * A Tool for a function Mastra runs in process: a sandboxed `script` when the body is
 * self-contained, otherwise a script that fails saying so, annotated `mastra.ai/migration-todo`
 * and quoting the Mastra source for whoever rewrites it.
 */
export function addTool(source: ToolSource, ctx: MigrationContext): Resource {
  const spec: Record<string, unknown> = {};
  if (source.description) spec.description = source.description;
  const input = source.inputSchema && schemaOf(source.inputSchema, `${source.label}: inputSchema`, ctx);
  const output = source.outputSchema && schemaOf(source.outputSchema, `${source.label}: outputSchema`, ctx);
  if (input) spec.inputSchema = input;
  if (output) spec.outputSchema = output;
  const fn = source.execute && functionOf(source.execute, ctx.sources);
  const where = ctx.at(source.execute ?? source.node);
  if (!fn) {
    const why = source.execute ? 'its execute is not a function the migration can read' : 'it has no execute';
    spec.script = { code: todoScript(source.name, [why], source.execute) };
    const resource = ctx.add('Tool', source.name, source.node, spec, { [MIGRATION_TODO_ANNOTATION]: `write the tool's body: ${why}` });
    ctx.report.notTranslated(`${source.label}: execute`, where, `${why}; the Tool fails until it is rewritten`);
    return resource;
  }
  const inputHasContextKey = typeof (input?.properties as JsonSchema | undefined)?.context === 'object';
  const script = convertToScript(fn, source.shape, ctx.sources, { inputHasContextKey });
  if (script.selfContained) {
    spec.script = { code: script.code };
    const helpers = script.inlined.length > 0 ? ` with the project's ${script.inlined.join(', ')} inlined` : '';
    ctx.report.translated(`${source.label}: execute`, where, `a sandboxed script${helpers}`);
    return ctx.add('Tool', source.name, source.node, spec);
  }
  const reasons = script.reasons.join('; ');
  spec.script = { code: todoScript(source.name, script.reasons, fn) };
  ctx.report.notTranslated(
    `${source.label}: execute`,
    where,
    `the body is not self-contained (${reasons}): the Tool is a script that fails saying so, annotated ${MIGRATION_TODO_ANNOTATION}; rewrite it as an http, mcp or builtin Tool or a self-contained script`,
  );
  return ctx.add('Tool', source.name, source.node, spec, { [MIGRATION_TODO_ANNOTATION]: `rewrite the tool's body: it ${reasons}` });
}

function schemaOf(expression: ts.Expression, label: string, ctx: MigrationContext): JsonSchema {
  const { schema, problems } = zodToJsonSchema(expression, ctx.sources);
  if (problems.length === 0) ctx.report.translated(label, ctx.at(expression), 'zod schema as JSON Schema');
  for (const problem of problems) ctx.report.approximated(label, ctx.at(expression), problem);
  return schema;
}

/** A script that fails with what to do, quoting the Mastra source as comments. */
function todoScript(name: string, reasons: string[], original: ts.Node | undefined): string {
  const quoted = original ? original.getText().split('\n') : [];
  const shown = quoted.slice(0, MAX_QUOTED_LINES).map((line) => `//   ${line}`);
  if (quoted.length > MAX_QUOTED_LINES) shown.push(`//   ... (${quoted.length - MAX_QUOTED_LINES} more lines)`);
  return [
    `// kastra migrate: this body could not become a sandboxed script: it ${reasons.join('; ')}.`,
    '// Rewrite it as an http, mcp or builtin Tool, or as a self-contained script (docs/resources.md, Scripts).',
    ...(shown.length > 0 ? ['// The Mastra source:', ...shown] : []),
    `throw new Error(${JSON.stringify(`Tool ${name} was not migrated from Mastra: see its ${MIGRATION_TODO_ANNOTATION} annotation`)});`,
  ].join('\n');
}

/** Reports every option of a Mastra construct that has no place in the Kastra object. */
export function reportOtherOptions(config: ts.ObjectLiteralExpression, handled: ReadonlySet<string>, label: string, ctx: MigrationContext, hints: Record<string, string> = {}): void {
  for (const element of config.properties) {
    const key = element.name ? propertyKey(element.name) : undefined;
    if (key !== undefined && handled.has(key)) continue;
    const shown = key ?? element.getText().slice(0, 40);
    ctx.report.notTranslated(`${label}: ${shown}`, ctx.at(element), hints[shown] ?? 'no Kastra equivalent: left out');
  }
}

/** `weatherTool` for `export const weatherTool = createTool(...)`. */
export function variableNameOf(node: ts.Node): string | undefined {
  const parent = node.parent;
  return parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name) ? parent.name.text : undefined;
}
