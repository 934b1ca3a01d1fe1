import { API_GROUP_VERSION, type Resource } from '@kastra/api';
import { resourceStreamId } from '@kastra/resource-store';
import type { Pool } from 'pg';
import { isRunKind, RUN_KINDS, runStreamIdOf } from './run-kinds';

const CREATION_SQL = `SELECT metadata->>'actor' AS actor FROM kastra_events
  WHERE stream_id = $1 AND type = 'ResourceCreated' AND data->'object'->'metadata'->>'uid' = $2
  ORDER BY kastra_events.stream_version DESC LIMIT 1`;
/** The first event of a run of each kind, which names the run's creator (`data.createdBy`). */
const START_EVENT_TYPES = ['RunStarted', 'NetworkRunStarted'];
const OWNER_START_SQL = `SELECT data->>'createdBy' AS created_by FROM kastra_events
  WHERE stream_id = $1 AND type = ANY($2::text[]) ORDER BY kastra_events.stream_version LIMIT 1`;

/**
 * The principal a run acts as: the actor the log recorded on its ResourceCreated event (the
 * authenticated caller that created it, `user:<sub>`). A run an engine created for another run
 * (a nested workflow step, a Workflow member of a network) acts as its controller owner's
 * creator — only when the log says that engine created it: nothing in the object (labels,
 * annotations, owner references of a run a user created) can name someone else.
 */
export async function runCreator(pool: Pool, run: Resource): Promise<string | undefined> {
  const namespace = run.metadata.namespace ?? 'default';
  const { rows } = await pool.query<{ actor: string | null }>(CREATION_SQL, [
    resourceStreamId({ kind: run.kind, namespace, name: run.metadata.name }),
    run.metadata.uid ?? '',
  ]);
  const actor = rows[0]?.actor ?? undefined;
  const owner = run.metadata.ownerReferences?.find((ref) => ref.controller && ref.apiVersion === API_GROUP_VERSION && isRunKind(ref.kind));
  if (!owner || !isRunKind(owner.kind) || actor !== RUN_KINDS[owner.kind].engineActor) return actor;
  // The owner started before its engine created this run, so its start event names its creator.
  const started = await pool.query<{ created_by: string | null }>(OWNER_START_SQL, [runStreamIdOf(owner.kind, namespace, owner.name, owner.uid), START_EVENT_TYPES]);
  return started.rows[0]?.created_by ?? actor;
}

/**
 * The `user` of a run's model calls: the token subject for a user (the llm-proxy keys limits and
 * usage by it, as for calls a user makes itself), a system principal as it is.
 */
export function llmUserOf(principal: string): string {
  return principal.startsWith('user:') ? principal.slice('user:'.length) : principal;
}
