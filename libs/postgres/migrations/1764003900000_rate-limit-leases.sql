-- Up Migration

-- The per-key rate limit shared by every upload-api process (issue 18): each
-- process leases a slice of a key's budget for one window in a batch, spends
-- it in memory, and leases again when it runs out, so a request costs no
-- round trip here, while every process together admits at most the limit per
-- window. `leased` is the window's total handed out so far (never above the
-- limit); `last_grant` is what the latest lease got, for RETURNING.
--
-- UNLOGGED: these counters matter for one minute. No WAL for writes on the
-- API's hot path, nothing shipped to a standby; after a crash or a failover
-- PostgreSQL empties the table, which gives every key at most one window's
-- budget again. The API deletes windows older than the previous one.
CREATE UNLOGGED TABLE rate_limit_leases (
  key text NOT NULL,
  window_start timestamptz NOT NULL,
  leased integer NOT NULL CHECK (leased >= 0),
  last_grant integer NOT NULL CHECK (last_grant >= 0),
  PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_limit_leases_window ON rate_limit_leases (window_start);

-- upload-api: leases (INSERT … ON CONFLICT DO UPDATE … RETURNING needs
-- SELECT, INSERT and UPDATE) and deletes past windows.
GRANT SELECT, INSERT, UPDATE, DELETE ON rate_limit_leases TO airlock_upload_api;
