-- Up Migration

-- A delivery being attempted: copies of its job (a relay resend, SQS's own
-- at-least-once) that arrive meanwhile find it claimed and stand down, so one
-- event is POSTed once at a time. A claim ends with the attempt, or by itself
-- once the attempt's timeout has passed (a crashed worker).
ALTER TABLE webhook_deliveries ADD COLUMN in_flight_until timestamptz;
