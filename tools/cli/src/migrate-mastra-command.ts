import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import type { Resource } from '@kastra/api';
import type { ProviderName } from '@kastra/llm/provider-table';
import { CliError, type CliContext } from './cli-context';
import { convertMastraProject } from './migrate-mastra-conversion';
import type { MigratedKind } from './migrate-mastra-context';
import { MastraSources } from './migrate-mastra-sources';
import { formatReportLines, formatReportMarkdown } from './migrate-report';

export const REPORT_FILE = 'MIGRATION-REPORT.md';

/** One file per kind in the output folder, applied in this order by `kastra apply -f <out>`. */
export const MANIFEST_FILES: ReadonlyArray<{ kind: MigratedKind; file: string }> = [
  { kind: 'LLM', file: 'llms.yaml' },
  { kind: 'Tool', file: 'tools.yaml' },
  { kind: 'Agent', file: 'agents.yaml' },
  { kind: 'Workflow', file: 'workflows.yaml' },
];

export interface MigrateMastraOptions {
  output: string;
  namespace?: string;
  providerOverride?: ProviderName;
}

/**
 * `kastra migrate mastra <dir> -o <out>`: reads the Mastra project under `dir` (never runs it),
 * writes `<out>/llms.yaml`, `tools.yaml`, `agents.yaml`, `workflows.yaml` and
 * `MIGRATION-REPORT.md`, and prints the report.
 */
export async function migrateMastraCommand(dir: string, options: MigrateMastraOptions, ctx: CliContext): Promise<void> {
  const source = path.resolve(ctx.cwd, dir);
  if (!fs.existsSync(source) || !fs.statSync(source).isDirectory()) throw new CliError(`"${dir}" is not a folder`);
  const sources = MastraSources.fromDirectory(source);
  if (sources.files.length === 0) throw new CliError(`no TypeScript or JavaScript files under "${dir}"`);
  const conversion = convertMastraProject(sources, { namespace: options.namespace, providerOverride: options.providerOverride });
  if (!conversion.found) throw new CliError(`no Mastra agents, tools, workflows or new Mastra(...) under "${dir}"`);

  const output = path.resolve(ctx.cwd, options.output);
  fs.mkdirSync(output, { recursive: true });
  const written: string[] = [];
  const writtenFiles: string[] = [];
  for (const { kind, file } of MANIFEST_FILES) {
    const target = path.join(output, file);
    const resources = conversion.resources.filter((resource) => resource.kind === kind);
    if (resources.length === 0) {
      // A file of an earlier run that this one has nothing for.
      fs.rmSync(target, { force: true });
      continue;
    }
    fs.writeFileSync(target, manifestText(resources, dir));
    writtenFiles.push(file);
    written.push(shownPath(ctx.cwd, target));
    ctx.stdout(`wrote ${written[written.length - 1]} (${resources.length} ${kind}${resources.length === 1 ? '' : 's'})\n`);
  }
  const reportPath = path.join(output, REPORT_FILE);
  const shown = shownPath(ctx.cwd, reportPath);
  fs.writeFileSync(reportPath, formatReportMarkdown(conversion.report, { source: dir, files: sources.files.length, written: writtenFiles }));
  ctx.stdout(`\n${formatReportLines(conversion.report)}\n`);
  const { report } = conversion;
  ctx.stdout(`${report.count('translated')} translated, ${report.count('approximated')} approximated, ${report.count('not translated')} not translated; report: ${shown}\n`);
}

/** A path as the user would type it: relative to where the command runs when it is below it, else absolute. */
function shownPath(cwd: string, target: string): string {
  const relative = path.relative(cwd, target);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? target : relative;
}

/** The objects of one kind as multi-document YAML, long strings unfolded. */
export function manifestText(resources: Resource[], source: string): string {
  const header = `# Written by kastra migrate mastra from ${source}; what could not be translated is in ${REPORT_FILE}.\n`;
  return header + resources.map((resource) => stringify(resource, { lineWidth: 0 })).join('---\n');
}
