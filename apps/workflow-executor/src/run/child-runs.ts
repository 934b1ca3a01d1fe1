import { createHash } from 'node:crypto';
import type { Resource } from '@kastra/api';
import type { AttemptResult } from './step-scheduler';

/** `<parent>-<step>`, shortened with a hash when it would pass the 63-character name limit. */
export function childRunName(parent: string, stepId: string): string {
  const name = `${parent}-${stepId.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`;
  if (name.length <= 63) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, 54).replace(/-+$/, '')}-${hash}`;
}

/** The end of a child run as the parent step's result; undefined while it runs. */
export function childRunResult(child: Resource): AttemptResult | undefined {
  const status = child.status ?? {};
  switch (status.phase) {
    case 'Succeeded':
      return { ok: true, output: status.output };
    case 'Failed':
    case 'Cancelled': {
      const error = status.error as { type?: string; message?: string } | undefined;
      return {
        ok: false,
        error: { type: 'ChildRunFailed', message: `child run ${child.metadata.name} ${String(status.phase).toLowerCase()}: ${error?.message ?? ''}` },
        retryable: false,
      };
    }
    default:
      return undefined;
  }
}
