-- Card tokens stay out of the journal, which keeps everything for good: a checkout's token
-- waits here, under the checkout's id, until the checkout is over (adapters/postgres/
-- payment_token_vault.cpp), and rows left behind by a lost node are purged after a day.
CREATE TABLE payment_tokens (
  checkout_id text        PRIMARY KEY,
  token       text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Checkouts begun before this build journaled their token (CheckoutBegun, schema 1). Those not
-- over yet find it in the vault; then no token is left in the journal, its snapshots (rebuilt
-- from the events) or the dead letters that carried a stalled checkout's state.
INSERT INTO payment_tokens (checkout_id, token)
SELECT e.stream_id, e.data->>'payment_token'
FROM events e
WHERE e.stream_type = 'checkout' AND e.event_type = 'CheckoutBegun' AND e.data ? 'payment_token'
  AND NOT EXISTS (SELECT 1 FROM events f
                  WHERE f.stream_type = 'checkout' AND f.stream_id = e.stream_id
                    AND f.event_type IN ('CheckoutCompleted', 'CheckoutReleased'))
ON CONFLICT (checkout_id) DO NOTHING;

UPDATE events SET data = data - 'payment_token'
WHERE stream_type = 'checkout' AND event_type = 'CheckoutBegun' AND data ? 'payment_token';

DELETE FROM snapshots WHERE stream_type = 'checkout';

UPDATE dead_letters SET payload = payload #- '{state,payment_token}'
WHERE target LIKE 'checkout/%' AND payload #> '{state,payment_token}' IS NOT NULL;
