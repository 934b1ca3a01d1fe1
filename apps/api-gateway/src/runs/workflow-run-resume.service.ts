import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { ConflictError, InvalidError, NotFoundError, parseReference, type FieldCause, type Resource } from '@kastra/api';
import { jsonSchemaCauses } from '@kastra/agent-runtime';
import { EVENT_COLUMNS, PG_POOL, toRecordedEvent, type EventRow } from '@kastra/event-store';
import { RESOURCE_STORE, type ResourceStore, type WriteContext } from '@kastra/resource-store';
import { runStreamIdOf } from './run-event-tail';

const ENDED = new Set(['Succeeded', 'Failed', 'Cancelled']);
const RUN_STARTED_SQL = `SELECT ${EVENT_COLUMNS} FROM kastra_events WHERE stream_id = $1 AND type = 'RunStarted' ORDER BY stream_version LIMIT 1`;

interface WorkflowStepDefinition {
  id?: unknown;
  suspend?: { resumeSchema?: Record<string, unknown> };
}

/**
 * Resuming a suspended step, checked before it is written: the payload must match the step's
 * `resumeSchema` as the run knows it (the Workflow snapshot of its RunStarted, else the Workflow
 * it names), so a bad payload is a 422 naming the field instead of a silent ResumeRejected.
 * The workflow-executor still validates what reaches `spec.resume` by other ways (kubectl patch).
 */
@Injectable()
export class WorkflowRunResumeService {
  constructor(
    @Inject(RESOURCE_STORE) private readonly store: ResourceStore,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  async resume(namespace: string, name: string, stepId: string, payload: unknown, ctx: WriteContext): Promise<Resource> {
    const key = { kind: 'WorkflowRun', namespace, name };
    const run = await this.store.get(key);
    if (!run?.metadata.uid) throw new NotFoundError('workflowruns', name);
    assertNotEnded(run);
    const causes = await this.payloadCauses(run, stepId, payload);
    if (causes.length > 0) throw new InvalidError('WorkflowRun', name, causes);
    return this.store.patch(
      key,
      (current) => {
        // Checked against this run: a run deleted and re-created meanwhile is another one.
        if (current!.metadata.uid !== run.metadata.uid) throw new ConflictError('workflowruns', name, 'the run was replaced while it was being resumed');
        assertNotEnded(current!);
        const resume = { ...((current!.spec?.resume as Record<string, unknown> | undefined) ?? {}), [stepId]: payload };
        return { ...current!, spec: { ...current!.spec, resume } };
      },
      ctx,
    );
  }

  /** Why `payload` cannot resume `stepId` of `run` ([] when it can, or when the workflow is not known yet). */
  private async payloadCauses(run: Resource, stepId: string, payload: unknown): Promise<FieldCause[]> {
    const workflowSpec = await this.workflowSpecOf(run);
    if (!workflowSpec) return [];
    const steps = (Array.isArray(workflowSpec.steps) ? workflowSpec.steps : []) as WorkflowStepDefinition[];
    const step = steps.find((candidate) => candidate?.id === stepId);
    const suspending = steps.filter((candidate) => candidate?.suspend).map((candidate) => String(candidate.id));
    const which = suspending.length > 0 ? `steps that suspend: ${suspending.join(', ')}` : 'no step of the workflow suspends';
    if (!step) return [{ reason: 'FieldValueNotFound', field: 'stepId', message: `the workflow has no step "${stepId}" (${which})` }];
    if (!step.suspend) return [{ reason: 'FieldValueInvalid', field: 'stepId', message: `step "${stepId}" does not suspend (${which})` }];
    const schema = step.suspend.resumeSchema;
    return schema ? jsonSchemaCauses(schema, payload, 'payload') : [];
  }

  /** The Workflow spec the run follows: its RunStarted snapshot, else (not started yet) the Workflow it names. */
  private async workflowSpecOf(run: Resource): Promise<Record<string, unknown> | undefined> {
    const namespace = run.metadata.namespace ?? 'default';
    const { rows } = await this.pool.query<EventRow>(RUN_STARTED_SQL, [runStreamIdOf(namespace, run.metadata.name, run.metadata.uid!)]);
    if (rows.length > 0) return (toRecordedEvent(rows[0]).data as { workflowSpec?: Record<string, unknown> }).workflowSpec;
    let workflowKey;
    try {
      workflowKey = parseReference((run.spec as { workflowRef?: unknown } | undefined)?.workflowRef, { kind: 'Workflow', defaultNamespace: namespace });
    } catch {
      return undefined; // the executor fails such a run itself
    }
    return (await this.store.get(workflowKey))?.spec as Record<string, unknown> | undefined;
  }
}

function assertNotEnded(run: Resource): void {
  const phase = String(run.status?.phase ?? 'Pending');
  if (ENDED.has(phase)) throw new ConflictError('workflowruns', run.metadata.name, `the run has already ended (${phase}); there is nothing to resume`);
}
