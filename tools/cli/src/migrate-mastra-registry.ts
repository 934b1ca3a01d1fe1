import * as ts from 'typescript';
import type { MigrationContext } from './migrate-mastra-context';
import { agentFromNew } from './migrate-mastra-agents';
import { isMastraConstruct } from './migrate-mastra-constructs';
import { propertyKey } from './migrate-literal-values';
import { toolFromCreateTool } from './migrate-mastra-tools';
import { workflowFromCreate } from './migrate-mastra-workflows';
import { workflowRootOf } from './migrate-workflow-step-calls';

/** What becomes of the `new Mastra({...})` options (and other Mastra classes) Kastra has no field for. */
export const MASTRA_OPTION_HINTS: Record<string, string> = {
  storage: "Kastra keeps resources, runs and memory in its own Postgres event log: left out",
  vectors: 'vector stores have no Kastra equivalent: left out',
  logger: 'Kastra services log JSON with pino (LOG_LEVEL): left out',
  telemetry: 'Kastra traces with OpenTelemetry (docs/operations.md): left out',
  observability: 'Kastra traces with OpenTelemetry (docs/operations.md): left out',
  server: 'the api-gateway serves agents and workflows (REST, gRPC, kubectl): left out',
  deployer: 'Kastra is deployed as its own services: left out',
  bundler: 'nothing is bundled: Kastra runs the manifests: left out',
  mcpServers: "declare each MCP tool as a Tool with spec.mcp: left out",
  networks: 'write a Network resource (spec.agents, spec.router): left out',
  vnext_networks: 'write a Network resource (spec.agents, spec.router): left out',
  scorers: 'scorers have no Kastra equivalent: left out',
};

const CLASS_HINTS: Record<string, string> = {
  MCPClient: "declare each MCP tool as a Tool with spec.mcp (a URL, or a stdio server the operator configured)",
  MCPServer: "Kastra's gateway serves its own tools over MCP",
  AgentNetwork: 'write a Network resource (spec.agents, spec.router)',
  NewAgentNetwork: 'write a Network resource (spec.agents, spec.router)',
  Workflow: 'the legacy workflow API: write a Kastra Workflow (or port it to createWorkflow and migrate again)',
  LegacyWorkflow: 'the legacy workflow API: write a Kastra Workflow (or port it to createWorkflow and migrate again)',
  Step: 'the legacy workflow API: write a Kastra Workflow (or port it to createWorkflow and migrate again)',
  PinoLogger: MASTRA_OPTION_HINTS.logger,
  LibSQLStore: MASTRA_OPTION_HINTS.storage,
  PostgresStore: MASTRA_OPTION_HINTS.storage,
  LibSQLVector: MASTRA_OPTION_HINTS.vectors,
  PgVector: MASTRA_OPTION_HINTS.vectors,
};

/**
 * `new Mastra({ agents, workflows, tools, ... })`: the agents, workflows and tools it registers
 * are translated (each once, whether registered or not); the rest is reported.
 */
export function translateRegistry(registry: ts.NewExpression, ctx: MigrationContext): void {
  const config = registry.arguments?.[0] && ctx.sources.resolve(registry.arguments[0]);
  if (!config || !ts.isObjectLiteralExpression(config)) {
    ctx.report.notTranslated('new Mastra', ctx.at(registry), 'its options are not an object literal the migration can read');
    return;
  }
  for (const element of config.properties) {
    const key = element.name ? propertyKey(element.name) : undefined;
    const value = ts.isPropertyAssignment(element) ? element.initializer : ts.isShorthandPropertyAssignment(element) ? element.name : undefined;
    if (key === 'agents' || key === 'workflows' || key === 'tools') {
      registered(key, value, element, ctx);
      continue;
    }
    ctx.report.notTranslated(`new Mastra: ${key ?? element.getText().slice(0, 40)}`, ctx.at(element), (key && MASTRA_OPTION_HINTS[key]) ?? 'no Kastra equivalent: left out');
  }
}

function registered(key: 'agents' | 'workflows' | 'tools', value: ts.Expression | undefined, at: ts.Node, ctx: MigrationContext): void {
  const entries = value && ctx.sources.resolve(value);
  if (!entries || !ts.isObjectLiteralExpression(entries)) {
    ctx.report.notTranslated(`new Mastra: ${key}`, ctx.at(at), 'not an object literal the migration can read');
    return;
  }
  for (const element of entries.properties) {
    const entryKey = element.name ? propertyKey(element.name) : undefined;
    const entry = ts.isPropertyAssignment(element) ? element.initializer : ts.isShorthandPropertyAssignment(element) ? element.name : undefined;
    const node = entry && ctx.sources.resolve(entry);
    const label = `new Mastra: ${key}.${entryKey ?? '?'}`;
    let name: string | undefined;
    let kind = '';
    if (key === 'agents' && node && ts.isNewExpression(node) && isMastraConstruct(node, 'Agent', ctx.sources)) {
      [name, kind] = [agentFromNew(node, ctx), 'Agent'];
    } else if (key === 'tools' && node && ts.isCallExpression(node) && isMastraConstruct(node, 'createTool', ctx.sources)) {
      [name, kind] = [toolFromCreateTool(node, ctx), 'Tool'];
    } else if (key === 'workflows' && node && ts.isCallExpression(node)) {
      const create = workflowRootOf(node, ctx);
      [name, kind] = [create && workflowFromCreate(create, ctx), 'Workflow'];
    }
    if (name) ctx.report.translated(label, ctx.at(element), `registered; ${kind} ${name}`);
    else ctx.report.notTranslated(label, ctx.at(element), `\`${element.getText().slice(0, 60)}\` could not be read`);
  }
}

/** A Mastra class or function `kastra migrate` has no translation for. */
export function reportOtherConstruct(other: { node: ts.Node; name: string; module: string }, ctx: MigrationContext): void {
  ctx.report.notTranslated(`${other.name} (${other.module})`, ctx.at(other.node), CLASS_HINTS[other.name] ?? 'no Kastra equivalent: left out');
}
