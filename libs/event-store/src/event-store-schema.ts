import type { Pool } from 'pg';

/**
 * The event log and the tables that live beside it. `transaction_id` (xid8) lets readers stay
 * below the oldest in-flight transaction, so a late-committing append is never skipped.
 */
export const EVENT_STORE_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS kastra_events (
  global_position BIGSERIAL PRIMARY KEY,
  transaction_id  XID8        NOT NULL DEFAULT pg_current_xact_id(),
  event_id        UUID        NOT NULL UNIQUE,
  stream_id       TEXT        NOT NULL,
  stream_version  BIGINT      NOT NULL,
  category        TEXT        NOT NULL,
  type            TEXT        NOT NULL,
  data            JSONB       NOT NULL,
  metadata        JSONB       NOT NULL DEFAULT '{}'::jsonb,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT kastra_events_stream_version_unique UNIQUE (stream_id, stream_version)
);
CREATE INDEX IF NOT EXISTS kastra_events_read_order ON kastra_events (transaction_id, global_position);
-- The usage events of a run's model calls (the llm-proxy records the run's uid): a run's usage.
CREATE INDEX IF NOT EXISTS kastra_events_usage_run ON kastra_events ((data->>'runUid')) WHERE category = 'usage' AND data ? 'runUid';

-- Where each log reader (relay, projections) has got to.
CREATE TABLE IF NOT EXISTS kastra_checkpoints (
  name           TEXT PRIMARY KEY,
  transaction_id XID8   NOT NULL,
  position       BIGINT NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Events a consumer has handled, written in the handler's own transaction (idempotency).
CREATE TABLE IF NOT EXISTS kastra_handled_events (
  consumer   TEXT NOT NULL,
  event_id   UUID NOT NULL,
  handled_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);

-- Current resources: a projection of the resource streams, rebuilt from the log on demand.
CREATE TABLE IF NOT EXISTS kastra_resources (
  kind             TEXT   NOT NULL,
  namespace        TEXT   NOT NULL,
  name             TEXT   NOT NULL,
  uid              UUID   NOT NULL,
  stream_version   BIGINT NOT NULL,
  resource_version BIGINT NOT NULL,
  object           JSONB  NOT NULL,
  labels           JSONB  NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (kind, namespace, name)
);
CREATE INDEX IF NOT EXISTS kastra_resources_labels ON kastra_resources USING GIN (labels);
CREATE INDEX IF NOT EXISTS kastra_resources_uid ON kastra_resources (uid);
-- Who last wrote the object's spec or metadata (not status): {sub, groups} of the event's principal.
ALTER TABLE kastra_resources ADD COLUMN IF NOT EXISTS last_writer JSONB;

-- Who refers to whom (from specs) and who owns whom (ownerReferences), for live resolution and GC.
CREATE TABLE IF NOT EXISTS kastra_resource_references (
  from_kind      TEXT NOT NULL,
  from_namespace TEXT NOT NULL,
  from_name      TEXT NOT NULL,
  to_kind        TEXT NOT NULL,
  to_namespace   TEXT NOT NULL,
  to_name        TEXT NOT NULL,
  field          TEXT NOT NULL,
  PRIMARY KEY (from_kind, from_namespace, from_name, field, to_kind, to_namespace, to_name)
);
CREATE INDEX IF NOT EXISTS kastra_resource_references_to ON kastra_resource_references (to_kind, to_namespace, to_name);

CREATE TABLE IF NOT EXISTS kastra_resource_owners (
  owner_uid      UUID NOT NULL,
  kind           TEXT NOT NULL,
  namespace      TEXT NOT NULL,
  name           TEXT NOT NULL,
  PRIMARY KEY (owner_uid, kind, namespace, name)
);
`;

/** Serialises concurrent migrations of several starting processes. */
const MIGRATION_LOCK = 774_211_001;

/** Applies the schema; safe to run from every process at start. */
export async function migrate(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(EVENT_STORE_SCHEMA_SQL);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}
