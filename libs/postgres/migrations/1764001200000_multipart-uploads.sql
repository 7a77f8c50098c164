-- Up Migration

-- Large files (issue 13): an upload sent in parts through S3's multipart API.
-- The API starts the multipart upload itself and keeps S3's UploadId and the
-- plan it gave the client (every part is part_size bytes except the last);
-- all three are NULL for an upload sent in one request (PUT or form POST).
ALTER TABLE uploads ADD COLUMN multipart_upload_id text;
ALTER TABLE uploads ADD COLUMN part_size bigint;
ALTER TABLE uploads ADD COLUMN part_count integer;
-- When the API completed the multipart upload: the object exists and its
-- ObjectCreated event drives the verifier; no more parts, no cancel.
ALTER TABLE uploads ADD COLUMN multipart_completed_at timestamptz;

ALTER TABLE uploads ADD CONSTRAINT uploads_multipart_plan CHECK (
  (multipart_upload_id IS NULL AND part_size IS NULL AND part_count IS NULL
     AND multipart_completed_at IS NULL)
  OR (multipart_upload_id IS NOT NULL AND part_size >= 1 AND part_count BETWEEN 1 AND 10000)
);

-- What a sweep aborts: pending multipart uploads past their expiry.
CREATE INDEX uploads_pending_multipart ON uploads (expires_at)
  WHERE state = 'pending' AND multipart_upload_id IS NOT NULL;
