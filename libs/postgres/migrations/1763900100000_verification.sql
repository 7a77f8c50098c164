-- Up Migration
-- The eTag of the object a worker verified, so a replayed event for the same
-- object needs no second read; and when its scan job was sent, so a crash
-- between the two never loses one and a replay never sends two.
ALTER TABLE uploads ADD COLUMN verified_etag text;
ALTER TABLE uploads ADD COLUMN scan_requested_at timestamptz;

-- The last error of every message that failed, by queue and SQS message id
-- (which survives redrive to the DLQ): what the ops CLI shows for a dead letter.
CREATE TABLE message_failures (
  queue text NOT NULL,
  message_id text NOT NULL,
  receive_count integer NOT NULL,
  permanent boolean NOT NULL,
  first_failed_at timestamptz NOT NULL DEFAULT now(),
  last_failed_at timestamptz NOT NULL DEFAULT now(),
  last_error text NOT NULL,
  PRIMARY KEY (queue, message_id)
);

-- Objects that arrived with no upload waiting for them (an unknown key, a
-- second PUT through a leaked URL): never trusted, moved to quarantine.
CREATE TABLE object_incidents (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  bucket text NOT NULL,
  key text NOT NULL,
  etag text,
  size bigint,
  upload_id uuid REFERENCES uploads (id),
  reason text NOT NULL,
  quarantine_bucket text,
  quarantine_key text,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX object_incidents_key ON object_incidents (bucket, key);
