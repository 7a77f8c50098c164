-- Up Migration

-- One endpoint per customer. The secret signs every delivery (Standard
-- Webhooks), so it is kept as issued: it cannot be a one-way hash.
CREATE TABLE webhook_endpoints (
  customer_id uuid PRIMARY KEY REFERENCES customers (id),
  url text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2048),
  secret text NOT NULL CHECK (secret ~ '^whsec_'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The outbox: one row per terminal transition of a customer with an endpoint,
-- written by the same statement that writes the transition, so no terminal
-- state is ever committed without its delivery. The notifier relays unqueued
-- rows to the webhook-jobs queue and records each attempt here.
CREATE TABLE webhook_deliveries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id bigint NOT NULL UNIQUE REFERENCES upload_events (id),
  upload_id uuid NOT NULL REFERENCES uploads (id),
  customer_id uuid NOT NULL REFERENCES customers (id),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  queued_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_attempt_at timestamptz,
  last_status integer,
  last_error text,
  delivered_at timestamptz,
  -- Set when the customer's endpoint is gone by the time the job runs.
  abandoned_at timestamptz,
  abandoned_reason text
);
CREATE INDEX webhook_deliveries_unqueued ON webhook_deliveries (created_at) WHERE queued_at IS NULL;
CREATE INDEX webhook_deliveries_upload ON webhook_deliveries (upload_id);

CREATE FUNCTION webhook_deliveries_for_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_deliveries (event_id, upload_id, customer_id)
  SELECT NEW.id, u.id, u.customer_id
  FROM uploads u JOIN webhook_endpoints w ON w.customer_id = u.customer_id
  WHERE u.id = NEW.upload_id;
  RETURN NULL;
END $$;

CREATE TRIGGER upload_events_webhook AFTER INSERT ON upload_events
  FOR EACH ROW WHEN (NEW.to_state IN ('ready', 'rejected', 'quarantined', 'expired'))
  EXECUTE FUNCTION webhook_deliveries_for_event();
