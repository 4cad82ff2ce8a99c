-- The cluster (API.md, Cluster; docs/architecture.md, "The cluster"): its nodes with their
-- leases, and one row per shard naming its owner and an epoch that grows at every move.
CREATE TABLE cluster_nodes (
  id               text PRIMARY KEY,
  address          text NOT NULL,  -- host:port of the node's CAF middleman
  http             text NOT NULL,  -- host:port of its HTTP gateway
  shards           integer NOT NULL,
  status           text NOT NULL DEFAULT 'up' CHECK (status IN ('up', 'leaving', 'down')),
  lease_expires_at timestamptz NOT NULL,
  joined_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cluster_shards (
  shard    integer PRIMARY KEY,
  node     text,                     -- NULL: released, free to be claimed
  epoch    bigint NOT NULL DEFAULT 0,
  moved_at timestamptz NOT NULL DEFAULT now()
);
