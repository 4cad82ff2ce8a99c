-- Card tokens stay out of the journal, which keeps everything for good: a checkout's token
-- waits here, under the checkout's id, until the checkout is over (adapters/postgres/
-- payment_token_vault.cpp), and rows left behind by a lost node are purged after a day.
CREATE TABLE payment_tokens (
  checkout_id text        PRIMARY KEY,
  token       text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
