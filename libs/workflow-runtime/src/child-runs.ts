import type { Resource } from '@kastra/api';
import type { AttemptResult } from './step-scheduler';

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
