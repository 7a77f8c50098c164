-- Up Migration
-- Every scan of an upload's bytes, first and re-scans alike, with the engine
-- and signature database that gave the verdict.
CREATE TABLE upload_scans (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  upload_id uuid NOT NULL REFERENCES uploads (id),
  trigger text NOT NULL CHECK (trigger IN ('upload', 'rescan')),
  result text NOT NULL CHECK (result IN ('clean', 'infected', 'limits_exceeded')),
  signature text,
  engine text NOT NULL,
  signatures text NOT NULL,
  scanned_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX upload_scans_upload ON upload_scans (upload_id, id);

-- When the media job for clean image bytes was sent (see scan_requested_at).
ALTER TABLE uploads ADD COLUMN media_requested_at timestamptz;
