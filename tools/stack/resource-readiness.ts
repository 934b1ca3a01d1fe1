import type { Condition, Resource } from '@kastra/api';
import type { ExampleManifest } from './example-manifests';

/** Where an applied example stands. */
export type ExampleState = 'Ready' | 'NotReady' | 'Failed' | 'ApplyFailed' | 'NotWaited';

export interface ExampleOutcome {
  manifest: ExampleManifest;
  state: ExampleState;
  /** The deciding condition's reason, or the apply error. */
  reason?: string;
  message?: string;
}

/**
 * Reads a resource's status: runs end with `Succeeded`, CustomResourceDefinitions are ready once
 * `Established` (their kind is served), everything else is judged by `Ready`. A condition about
 * an older generation does not count yet.
 */
export function readinessOf(resource: Resource): { state: 'Ready' | 'NotReady' | 'Failed'; condition?: Condition } {
  const conditions = resource.status?.conditions ?? [];
  const generation = resource.metadata.generation;
  const current = (c: Condition) => c.observedGeneration === undefined || generation === undefined || c.observedGeneration >= generation;
  const succeeded = conditions.find((c) => c.type === 'Succeeded' && current(c));
  if (succeeded?.status === 'True') return { state: 'Ready', condition: succeeded };
  if (succeeded?.status === 'False') return { state: 'Failed', condition: succeeded };
  const ready = conditions.find((c) => c.type === (resource.kind === 'CustomResourceDefinition' ? 'Established' : 'Ready') && current(c));
  if (ready?.status === 'True') return { state: 'Ready', condition: ready };
  return { state: 'NotReady', condition: ready };
}

/** A kubectl-style table of the outcomes. */
export function formatSummaryTable(outcomes: ExampleOutcome[]): string {
  const rows = [
    ['KIND', 'NAMESPACE', 'NAME', 'STATE', 'REASON', 'MESSAGE'],
    ...outcomes.map((o) => [
      o.manifest.kind,
      o.manifest.namespace,
      o.manifest.name,
      o.state,
      o.reason ?? '',
      truncate(o.message ?? '', 80),
    ]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('   ').trimEnd()).join('\n');
}

function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
