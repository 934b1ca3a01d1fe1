import { validateResource, type Resource } from '@kastra/api';
import { MigrationContext, type MigratedKind, type MigrationOptions } from './migrate-mastra-context';
import { agentFromNew } from './migrate-mastra-agents';
import { findConstructs } from './migrate-mastra-constructs';
import { reportOtherConstruct, translateRegistry } from './migrate-mastra-registry';
import type { MastraSources } from './migrate-mastra-sources';
import { toolFromCreateTool } from './migrate-mastra-tools';
import { workflowFromCreate } from './migrate-mastra-workflows';
import { MigrationReport } from './migrate-report';

/** The Kastra objects of a Mastra project, and the report of how each construct came across. */
export interface MastraConversion {
  resources: Resource[];
  report: MigrationReport;
  /** Whether the project had anything to translate (agents, tools, workflows or a registry). */
  found: boolean;
}

const KIND_ORDER: MigratedKind[] = ['LLM', 'Tool', 'Agent', 'Workflow'];

/**
 * Reads the project's agents, tools, workflows and `new Mastra` registry (nothing is executed)
 * and makes LLM, Tool, Agent and Workflow objects of them. Every construct read is in the
 * report: translated, approximated (and how), or not translated (and what to do instead).
 */
export function convertMastraProject(sources: MastraSources, options: MigrationOptions = {}): MastraConversion {
  const report = new MigrationReport();
  const ctx = new MigrationContext(sources, report, options);
  const constructs = findConstructs(sources);
  for (const registry of constructs.registries) translateRegistry(registry, ctx);
  for (const agent of constructs.agents) agentFromNew(agent, ctx);
  for (const tool of constructs.tools) toolFromCreateTool(tool, ctx);
  for (const workflow of constructs.workflows) workflowFromCreate(workflow, ctx);
  for (const step of constructs.steps) {
    if (!ctx.usedSteps.has(step)) report.notTranslated('createStep', ctx.at(step), 'not used by any workflow: left out');
  }
  for (const other of constructs.others) reportOtherConstruct(other, ctx);

  for (const resource of ctx.resources) {
    for (const cause of validateResource(resource)) {
      report.notTranslated(`${resource.kind} ${resource.metadata.name}`, { file: '(generated)', line: 0 }, `does not validate: ${cause.field}: ${cause.message}`);
    }
  }
  const resources = KIND_ORDER.flatMap((kind) => ctx.resources.filter((resource) => resource.kind === kind));
  const found = constructs.agents.length + constructs.tools.length + constructs.workflows.length + constructs.registries.length > 0;
  return { resources, report, found };
}
