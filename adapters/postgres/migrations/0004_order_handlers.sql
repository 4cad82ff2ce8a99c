-- What the order event handlers keep (actors/order_handlers.cpp). Every row has a key derived
-- from the order and its step, and is written with ON CONFLICT DO NOTHING in one transaction
-- per delivered batch, so a batch delivered again after a crash changes nothing.

-- The warehouse's work: one pick list per paid order.
CREATE TABLE pick_lists (
  order_id         text        PRIMARY KEY,
  customer_id      text        NOT NULL,
  shipping_address jsonb       NOT NULL,
  lines            jsonb       NOT NULL,  -- [{sku, quantity}]
  created_at       timestamptz NOT NULL DEFAULT now()
);

-- Notifications waiting for the messaging provider. The relay (adapters/messaging) sends the
-- oldest unsent ones with `key` as the Idempotency-Key, then marks them sent: a send repeated
-- after a crash is answered from the provider's key store, never delivered twice.
CREATE TABLE outbox (
  id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key        text        NOT NULL UNIQUE,
  template   text        NOT NULL,
  recipient  text        NOT NULL,
  data       jsonb       NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  attempts   integer     NOT NULL DEFAULT 0,
  last_error text,
  sent_at    timestamptz,
  failed_at  timestamptz  -- the provider refused it for good (a 4xx): left for an operator
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL AND failed_at IS NULL;

-- Analytics' facts, counted once each: paid orders and refunds, by currency.
CREATE TABLE sales_facts (
  key        text        PRIMARY KEY,
  kind       text        NOT NULL CHECK (kind IN ('order_paid', 'refund')),
  currency   text        NOT NULL,
  amount     bigint      NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
