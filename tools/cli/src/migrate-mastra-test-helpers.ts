import type { Resource } from '@kastra/api';
import { convertMastraProject, type MastraConversion } from './migrate-mastra-conversion';
import type { MigrationOptions } from './migrate-mastra-context';
import { MastraSources } from './migrate-mastra-sources';
import type { MigrationEntry, MigrationStatus } from './migrate-report';

/** A converted inline Mastra project, with finders for the tests of `kastra migrate mastra`. */
export interface ConvertedProject extends MastraConversion {
  find(kind: string, name: string): Resource;
  names(kind: string): string[];
  /** Report entries whose construct contains `construct`, optionally of one status. */
  entries(construct: string, status?: MigrationStatus): MigrationEntry[];
}

/** Converts files given as text (relative paths) the way `kastra migrate mastra` converts a folder. */
export function convertTexts(texts: Record<string, string>, options: MigrationOptions = {}): ConvertedProject {
  const conversion = convertMastraProject(MastraSources.fromTexts(texts), options);
  return {
    ...conversion,
    find(kind, name) {
      const found = conversion.resources.find((r) => r.kind === kind && r.metadata.name === name);
      if (!found) throw new Error(`no ${kind} ${name}; made: ${conversion.resources.map((r) => `${r.kind} ${r.metadata.name}`).join(', ')}`);
      return found;
    },
    names: (kind) => conversion.resources.filter((r) => r.kind === kind).map((r) => r.metadata.name),
    entries: (construct, status) => conversion.report.entries.filter((e) => e.construct.includes(construct) && (!status || e.status === status)),
  };
}

/** The spec of a resource, typed loosely for assertions. */
export const specOf = (resource: Resource) => resource.spec as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
