-- A notification the provider keeps failing (5xx, timeouts) waits for its own next attempt,
-- backing off, instead of holding every later one behind it (adapters/messaging/outbox_relay.cpp).
ALTER TABLE outbox ADD COLUMN next_attempt_at timestamptz;
