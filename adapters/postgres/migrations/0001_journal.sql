-- The event journal and what reads it: every entity's events, snapshots, subscription
-- checkpoints and durable timers.

CREATE TABLE events (
  -- Global order. Identity values can commit out of order, so readers also use transaction_id.
  position       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  stream_type    text        NOT NULL,
  stream_id      text        NOT NULL,
  version        bigint      NOT NULL CHECK (version > 0),
  event_type     text        NOT NULL,
  schema_version integer     NOT NULL,
  data           jsonb       NOT NULL,
  -- correlation_id, causation_id, command_id
  metadata       jsonb       NOT NULL DEFAULT '{}',
  -- The writing transaction, compared with pg_snapshot_xmin() by gap-free subscriptions.
  transaction_id xid8        NOT NULL DEFAULT pg_current_xact_id(),
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  -- A second writer of the same version fails loudly instead of overwriting.
  CONSTRAINT events_stream_version UNIQUE (stream_type, stream_id, version)
);
CREATE INDEX events_by_transaction ON events (transaction_id, position);

CREATE TABLE snapshots (
  stream_type    text        NOT NULL,
  stream_id      text        NOT NULL,
  version        bigint      NOT NULL,
  schema_version integer     NOT NULL,
  data           jsonb       NOT NULL,
  taken_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (stream_type, stream_id)
);

CREATE TABLE subscription_checkpoints (
  name           text        PRIMARY KEY,
  transaction_id xid8        NOT NULL,
  position       bigint      NOT NULL,
  updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE timers (
  stream_type text        NOT NULL,
  stream_id   text        NOT NULL,
  name        text        NOT NULL,
  due_at      timestamptz NOT NULL,
  payload     jsonb       NOT NULL DEFAULT '{}',
  PRIMARY KEY (stream_type, stream_id, name)
);
CREATE INDEX timers_by_due ON timers (due_at);
