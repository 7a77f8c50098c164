-- Up Migration

-- A clean verdict reused for the same bytes instead of asking clamd again
-- names the scan clamd made (docs/security.md, "Each content is scanned once
-- per customer and signature version"). NULL: clamd read these bytes itself.
ALTER TABLE upload_scans ADD COLUMN reused_from bigint REFERENCES upload_scans (id);

-- The scanner looks up a customer's earlier uploads of the same bytes, in
-- every state (a later infected verdict must be seen too), which the live-only
-- dedup index does not cover.
CREATE INDEX uploads_customer_content ON uploads (customer_id, declared_sha256);
