import type { PoolClient } from 'pg';
import { findKindByName, keyOf, type Resource } from '@kastra/api';
import type { RecordedEvent } from '@kastra/event-store';
import { ResourceEventType, type ResourceEventData } from './resource-events';

// A status write keeps the last writer of spec and metadata ($9 is null for it).
const UPSERT_SQL = `
INSERT INTO kastra_resources (kind, namespace, name, uid, stream_version, resource_version, object, labels, last_writer)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (kind, namespace, name) DO UPDATE SET
  uid = EXCLUDED.uid, stream_version = EXCLUDED.stream_version, resource_version = EXCLUDED.resource_version,
  object = EXCLUDED.object, labels = EXCLUDED.labels,
  last_writer = COALESCE(EXCLUDED.last_writer, kastra_resources.last_writer)`;
const DELETE_SQL = `DELETE FROM kastra_resources WHERE kind = $1 AND namespace = $2 AND name = $3`;
const DELETE_REFERENCES_SQL = `DELETE FROM kastra_resource_references WHERE from_kind = $1 AND from_namespace = $2 AND from_name = $3`;
const INSERT_REFERENCES_SQL = `
INSERT INTO kastra_resource_references (from_kind, from_namespace, from_name, to_kind, to_namespace, to_name, field)
SELECT $1, $2, $3, * FROM unnest($4::text[], $5::text[], $6::text[], $7::text[]) ON CONFLICT DO NOTHING`;
const DELETE_OWNERS_SQL = `DELETE FROM kastra_resource_owners WHERE kind = $1 AND namespace = $2 AND name = $3`;
const INSERT_OWNERS_SQL = `
INSERT INTO kastra_resource_owners (owner_uid, kind, namespace, name)
SELECT u, $2, $3, $4 FROM unnest($1::uuid[]) AS u ON CONFLICT DO NOTHING`;

/** Who wrote a resource: the principal in the event's metadata, or (system writers without one) its actor and no groups. */
export interface ResourceWriter {
  sub: string;
  groups: string[];
}

export function writerOfEvent(event: RecordedEvent): ResourceWriter {
  const principal = event.metadata.principal as Partial<ResourceWriter> | undefined;
  if (principal && typeof principal.sub === 'string' && Array.isArray(principal.groups)) return { sub: principal.sub, groups: principal.groups };
  const actor = typeof event.metadata.actor === 'string' ? event.metadata.actor : 'unknown';
  return { sub: actor.startsWith('user:') ? actor.slice('user:'.length) : actor, groups: [] };
}

/** The object as served: its resourceVersion is the position of its latest event. */
export function objectOfEvent(event: RecordedEvent): Resource {
  const object = structuredClone((event.data as unknown as ResourceEventData).object);
  object.metadata.resourceVersion = event.globalPosition;
  return object;
}

/**
 * The `kastra_resources` read model and its reference and owner indexes, updated in the same
 * transaction as the append (so a read after a write sees it), and rebuilt from the log on demand.
 */
export async function projectResourceEvents(client: PoolClient, events: RecordedEvent[]): Promise<void> {
  for (const event of events) {
    const object = objectOfEvent(event);
    const key = keyOf(object);
    const identity = [key.kind, key.namespace, key.name];
    await client.query(DELETE_REFERENCES_SQL, identity);
    await client.query(DELETE_OWNERS_SQL, identity);
    if (event.type === ResourceEventType.Deleted) {
      await client.query(DELETE_SQL, identity);
      continue;
    }
    await client.query(UPSERT_SQL, [
      ...identity,
      object.metadata.uid,
      event.streamVersion,
      event.globalPosition,
      JSON.stringify(object),
      JSON.stringify(object.metadata.labels ?? {}),
      event.type === ResourceEventType.StatusUpdated ? null : JSON.stringify(writerOfEvent(event)),
    ]);
    const references = findKindByName(key.kind)?.references(object) ?? [];
    if (references.length > 0) {
      await client.query(INSERT_REFERENCES_SQL, [
        ...identity,
        references.map((r) => r.kind),
        references.map((r) => r.namespace),
        references.map((r) => r.name),
        references.map((r) => r.field),
      ]);
    }
    const owners = (object.metadata.ownerReferences ?? []).map((o) => o.uid);
    if (owners.length > 0) await client.query(INSERT_OWNERS_SQL, [owners, ...identity]);
  }
}
