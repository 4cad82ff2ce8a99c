-- Every claim of an idempotency key gets a random owner token. Only the request holding the
-- claim may store its answer or forget it: a request whose claim went stale and was taken over
-- by a retry can no longer overwrite the retry's answer. Claims made before this migration have
-- the empty owner, which no request holds.
ALTER TABLE idempotency_keys ADD COLUMN owner text NOT NULL DEFAULT '';
