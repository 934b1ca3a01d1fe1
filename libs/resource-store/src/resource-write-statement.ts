import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { findKindByName, type Resource, type ResourceKey } from '@kastra/api';
import { StreamVersionConflictError, STREAM_DOES_NOT_EXIST, wakeTailersAfterCommit, type EventMetadata, type RecordedEvent } from '@kastra/event-store';
import { RESOURCE_CATEGORY, resourceStreamId, ResourceEventType } from './resource-events';
import { writerOfEvent } from './resource-projection';

/**
 * One resource write as ONE statement, so one round trip and no BEGIN/COMMIT: read the stream's
 * head, check the write's precondition, append the event, and update the read model
 * (`kastra_resources`) and its reference and owner indexes from it — what `appendToStream` and
 * `projectResourceEvents` did in a transaction of 6 to 9 round trips (connect, BEGIN, load,
 * stream version, append, 2 deletes, upsert, inserts, COMMIT). A single statement is atomic on its
 * own: either the event and every projected row are there, or none is.
 *
 * The precondition is the stream's version for a change (`$7`); or the object's resourceVersion
 * (`$20`: the row is at that position, so its stream's head is that event — a change decided on
 * an object read before, without reading it again); or, for a create (both null), that no object
 * of that name exists. When it does not hold nothing is written and the row returned
 * carries only the head. Two writers racing for the same stream version meet the unique
 * constraint `kastra_events_stream_version_unique` (the later one waits for the first to commit).
 *
 * Every sub-statement runs to completion whether or not the final SELECT reads it. They see one
 * snapshot and must not touch a row twice: the indexes are therefore updated by difference (delete
 * the rows not wanted any more, insert the wanted ones that are missing), never delete-then-insert
 * of the same row.
 */
const WRITE_SQL = `
WITH head AS (
  SELECT COALESCE(MAX(stream_version), 0)::bigint AS version FROM kastra_events WHERE stream_id = $1
), inserted AS (
  INSERT INTO kastra_events (event_id, stream_id, stream_version, category, type, data, metadata)
  SELECT $4::uuid, $1, head.version + 1, $2, $5, $6::jsonb, $3::jsonb
  FROM head
  WHERE CASE
    WHEN $7::bigint IS NOT NULL THEN head.version = $7::bigint
    WHEN $20::bigint IS NOT NULL THEN EXISTS (SELECT 1 FROM kastra_resources WHERE kind = $8 AND namespace = $9 AND name = $10 AND resource_version = $20::bigint)
    ELSE NOT EXISTS (SELECT 1 FROM kastra_resources WHERE kind = $8 AND namespace = $9 AND name = $10) END
  RETURNING global_position, transaction_id, stream_version, created_at
), projected AS (
  INSERT INTO kastra_resources (kind, namespace, name, uid, stream_version, resource_version, object, labels, last_writer)
  SELECT $8, $9, $10, $11::uuid, i.stream_version, i.global_position,
    jsonb_set($6::jsonb -> 'object', '{metadata,resourceVersion}', to_jsonb(i.global_position::text)),
    $12::jsonb, $13::jsonb
  FROM inserted AS i WHERE NOT $14::boolean
  ON CONFLICT (kind, namespace, name) DO UPDATE SET
    uid = EXCLUDED.uid, stream_version = EXCLUDED.stream_version, resource_version = EXCLUDED.resource_version,
    object = EXCLUDED.object, labels = EXCLUDED.labels,
    last_writer = COALESCE(EXCLUDED.last_writer, kastra_resources.last_writer)
), removed AS (
  DELETE FROM kastra_resources WHERE $14::boolean AND kind = $8 AND namespace = $9 AND name = $10 AND EXISTS (SELECT 1 FROM inserted)
), wanted_references AS (
  SELECT * FROM unnest($15::text[], $16::text[], $17::text[], $18::text[]) AS w(to_kind, to_namespace, to_name, field)
), references_gone AS (
  DELETE FROM kastra_resource_references AS r
  WHERE r.from_kind = $8 AND r.from_namespace = $9 AND r.from_name = $10 AND EXISTS (SELECT 1 FROM inserted)
    AND ($14::boolean OR NOT EXISTS (
      SELECT 1 FROM wanted_references AS w
      WHERE w.to_kind = r.to_kind AND w.to_namespace = r.to_namespace AND w.to_name = r.to_name AND w.field = r.field))
), references_new AS (
  INSERT INTO kastra_resource_references (from_kind, from_namespace, from_name, to_kind, to_namespace, to_name, field)
  SELECT $8, $9, $10, w.to_kind, w.to_namespace, w.to_name, w.field FROM wanted_references AS w
  WHERE NOT $14::boolean AND EXISTS (SELECT 1 FROM inserted)
  ON CONFLICT DO NOTHING
), owners_gone AS (
  DELETE FROM kastra_resource_owners AS o
  WHERE o.kind = $8 AND o.namespace = $9 AND o.name = $10 AND EXISTS (SELECT 1 FROM inserted)
    AND ($14::boolean OR NOT (o.owner_uid = ANY ($19::uuid[])))
), owners_new AS (
  INSERT INTO kastra_resource_owners (owner_uid, kind, namespace, name)
  SELECT DISTINCT u, $8, $9, $10 FROM unnest($19::uuid[]) AS u
  WHERE NOT $14::boolean AND EXISTS (SELECT 1 FROM inserted)
  ON CONFLICT DO NOTHING
)
SELECT head.version::int AS head_version, i.global_position::text, i.transaction_id::text, i.stream_version::int, i.created_at
FROM head LEFT JOIN inserted AS i ON true`;

interface WrittenRow {
  head_version: number;
  global_position: string | null;
  transaction_id: string | null;
  stream_version: number | null;
  created_at: Date | null;
}

/** One change of one resource: the event and what the read model becomes. */
export interface ResourceWrite {
  key: ResourceKey;
  /** A ResourceEventType. */
  type: string;
  /** The object after the change, without resourceVersion (as the event stores it). */
  object: Resource;
  metadata: EventMetadata;
  /** The stream version the change was decided on; omitted for a create (no object of that name may exist). */
  expectedStreamVersion?: number;
  /** Instead of the stream version: the resourceVersion of the object the change was decided on. */
  expectedResourceVersion?: string;
}

/**
 * Appends a resource's event and projects it in one statement (see WRITE_SQL); returns the
 * recorded event. Throws StreamVersionConflictError when the precondition does not hold or a
 * concurrent writer took the version. Wakes the log's tailers once it has committed.
 */
export async function writeResourceEvent(pool: Pool, write: ResourceWrite): Promise<RecordedEvent> {
  const { key, type, object, metadata } = write;
  const streamId = resourceStreamId(key);
  const deleted = type === ResourceEventType.Deleted;
  const references = deleted ? [] : (findKindByName(key.kind)?.references(object) ?? []);
  const owners = deleted ? [] : (object.metadata.ownerReferences ?? []).map((o) => o.uid);
  const eventId = randomUUID();
  const data = { object };
  const partial = { metadata } as RecordedEvent;
  let rows: WrittenRow[];
  try {
    // Named: each connection parses and plans this large statement once, not on every write.
    ({ rows } = await pool.query<WrittenRow>({ name: 'kastra_resource_write', text: WRITE_SQL, values: [
      streamId,
      RESOURCE_CATEGORY,
      JSON.stringify(metadata),
      eventId,
      type,
      JSON.stringify(data),
      write.expectedStreamVersion ?? null,
      key.kind,
      key.namespace,
      key.name,
      object.metadata.uid,
      JSON.stringify(object.metadata.labels ?? {}),
      type === ResourceEventType.StatusUpdated ? null : JSON.stringify(writerOfEvent(partial)),
      deleted,
      references.map((r) => r.kind),
      references.map((r) => r.namespace),
      references.map((r) => r.name),
      references.map((r) => r.field),
      owners,
      write.expectedStreamVersion === undefined ? (write.expectedResourceVersion ?? null) : null,
    ] }));
  } catch (error) {
    if ((error as { constraint?: string }).constraint === 'kastra_events_stream_version_unique') {
      throw new StreamVersionConflictError(streamId, write.expectedStreamVersion ?? STREAM_DOES_NOT_EXIST, undefined);
    }
    throw error;
  }
  const row = rows[0];
  if (row.global_position === null) throw new StreamVersionConflictError(streamId, write.expectedStreamVersion ?? STREAM_DOES_NOT_EXIST, row.head_version);
  wakeTailersAfterCommit(pool, [RESOURCE_CATEGORY]);
  return {
    eventId,
    streamId,
    streamVersion: row.stream_version!,
    globalPosition: row.global_position,
    transactionId: row.transaction_id!,
    category: RESOURCE_CATEGORY,
    type,
    data: data as unknown as RecordedEvent['data'],
    metadata,
    createdAt: row.created_at!.toISOString(),
  };
}
