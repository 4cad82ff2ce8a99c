-- Idempotency keys of POST requests (API.md, Conventions): the first answer given to a key,
-- replayed to a repeat of the same request while the key is kept (24 h by default).

CREATE TABLE idempotency_keys (
  key          text        PRIMARY KEY,
  request_hash text        NOT NULL,  -- hex SHA-256 of method, target and body
  state        text        NOT NULL CHECK (state IN ('in_progress', 'completed')),
  status       integer,               -- the answer, once completed
  content_type text,
  headers      jsonb,
  body         text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
