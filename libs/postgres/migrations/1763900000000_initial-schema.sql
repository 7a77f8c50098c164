-- Up Migration
CREATE TABLE customers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sites (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  customer_id uuid NOT NULL REFERENCES customers (id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (customer_id, name)
);

CREATE TABLE api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  customer_id uuid NOT NULL REFERENCES customers (id),
  prefix text NOT NULL UNIQUE,
  key_hash bytea NOT NULL,
  label text,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

CREATE TYPE upload_state AS ENUM (
  'pending', 'uploaded', 'verified', 'clean', 'ready', 'rejected', 'quarantined', 'expired'
);

CREATE TABLE uploads (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  customer_id uuid NOT NULL REFERENCES customers (id),
  site_id uuid NOT NULL REFERENCES sites (id),
  dedup_scope text NOT NULL,
  original_name text NOT NULL,
  declared_content_type text NOT NULL,
  declared_size bigint NOT NULL CHECK (declared_size > 0),
  declared_sha256 char(64) NOT NULL CHECK (declared_sha256 ~ '^[0-9a-f]{64}$'),
  detected_content_type text,
  category text NOT NULL,
  bucket text NOT NULL,
  key text NOT NULL,
  state upload_state NOT NULL DEFAULT 'pending',
  reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);

-- The race-safe dedup: one live upload per scope and content hash. A unique
-- violation on insert is a dedup hit, never an error.
CREATE UNIQUE INDEX uploads_live_content ON uploads (dedup_scope, declared_sha256)
  WHERE state NOT IN ('rejected', 'quarantined', 'expired');
CREATE INDEX uploads_bucket_key ON uploads (bucket, key);
CREATE INDEX uploads_customer_created ON uploads (customer_id, created_at);
CREATE INDEX uploads_pending_expiry ON uploads (expires_at) WHERE state = 'pending';

-- Append-only audit of every transition.
CREATE TABLE upload_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  upload_id uuid NOT NULL REFERENCES uploads (id),
  from_state upload_state,
  to_state upload_state NOT NULL,
  reason text,
  actor text NOT NULL,
  detail jsonb,
  at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX upload_events_upload ON upload_events (upload_id, id);

CREATE FUNCTION upload_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'upload_events is append-only';
END $$;
CREATE TRIGGER upload_events_no_change BEFORE UPDATE OR DELETE ON upload_events
  FOR EACH ROW EXECUTE FUNCTION upload_events_append_only();
