import { API_GROUP_VERSION, type Resource } from '@kastra/api';
import { resourceStreamId } from '@kastra/resource-store';
import type { Pool } from 'pg';
import { runStreamId } from './run-events';

/** Who the executor's own writes are made by (child runs among them). */
export const EXECUTOR_ACTOR = 'system:workflow-executor';

const CREATION_SQL = `SELECT metadata->>'actor' AS actor FROM kastra_events
  WHERE stream_id = $1 AND type = 'ResourceCreated' AND data->'object'->'metadata'->>'uid' = $2
  ORDER BY kastra_events.stream_version DESC LIMIT 1`;
const PARENT_START_SQL = `SELECT data->>'createdBy' AS created_by FROM kastra_events
  WHERE stream_id = $1 AND type = 'RunStarted' ORDER BY kastra_events.stream_version LIMIT 1`;

/**
 * The principal a run acts as: the actor the log recorded on its ResourceCreated event (the
 * authenticated caller that created it, `user:<sub>`); a child run the executor created for a
 * workflow step acts as its parent's. Only the log is trusted: nothing in the object (labels,
 * annotations, owner references of a run a user created) can name someone else.
 */
export async function runCreator(pool: Pool, run: Resource): Promise<string | undefined> {
  const namespace = run.metadata.namespace ?? 'default';
  const { rows } = await pool.query<{ actor: string | null }>(CREATION_SQL, [
    resourceStreamId({ kind: 'WorkflowRun', namespace, name: run.metadata.name }),
    run.metadata.uid ?? '',
  ]);
  const actor = rows[0]?.actor ?? undefined;
  if (actor !== EXECUTOR_ACTOR) return actor;
  const parent = run.metadata.ownerReferences?.find((ref) => ref.controller && ref.kind === 'WorkflowRun' && ref.apiVersion === API_GROUP_VERSION);
  if (!parent) return actor;
  // The parent started before it created this child, so its RunStarted names its creator.
  const started = await pool.query<{ created_by: string | null }>(PARENT_START_SQL, [runStreamId(namespace, parent.name, parent.uid)]);
  return started.rows[0]?.created_by ?? actor;
}

/**
 * The `user` of the run's model calls: the token subject for a user (the llm-proxy keys limits and
 * usage by it, as for calls a user makes itself), a system principal as it is.
 */
export function llmUserOf(principal: string): string {
  return principal.startsWith('user:') ? principal.slice('user:'.length) : principal;
}
