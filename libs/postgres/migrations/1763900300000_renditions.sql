-- Up Migration
-- Processed derivatives of clean images, in the processed bucket.
CREATE TABLE upload_renditions (
  upload_id uuid NOT NULL REFERENCES uploads (id),
  name text NOT NULL,
  format text NOT NULL,
  width integer NOT NULL,
  height integer NOT NULL,
  size bigint NOT NULL,
  bucket text NOT NULL,
  key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (upload_id, name)
);
