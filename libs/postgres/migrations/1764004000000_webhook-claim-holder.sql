-- Up Migration

-- Which job message holds a delivery's claim (the SQS message id). When the
-- notifier holding it dies, SQS hands the same message out again before the
-- claim lapses; that message may take the claim back at once, while any other
-- copy stands down. Without this, the returning message stood down too and was
-- deleted, and the delivery was never sent. The notifier's UPDATE privilege on
-- webhook_deliveries is table-wide (app-roles migration): no new GRANT.
ALTER TABLE webhook_deliveries ADD COLUMN in_flight_by text;

