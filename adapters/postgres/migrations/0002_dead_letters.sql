-- The dead-letter office: what could not be delivered or kept failing past its retry budget,
-- kept for an operator to retry or discard.

CREATE TABLE dead_letters (
  id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  target          text        NOT NULL,  -- who it was for: "cart/c-1", "webhook:…", "payment:…"
  message_type    text        NOT NULL,
  payload         jsonb       NOT NULL,
  reason          text        NOT NULL,  -- the last failure
  attempts        integer     NOT NULL CHECK (attempts >= 0),
  first_failed_at timestamptz NOT NULL,
  last_failed_at  timestamptz NOT NULL,
  status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'retried', 'discarded'))
);
CREATE INDEX dead_letters_by_status ON dead_letters (status, id);
