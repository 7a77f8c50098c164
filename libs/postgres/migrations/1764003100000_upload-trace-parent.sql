-- Up Migration

-- The W3C traceparent of the request that created the upload (tracing,
-- docs/operations.md "Traces and logs"): the S3 event of its PUT carries no
-- trace context, so the verifier continues the upload's trace from here.
-- NULL on older rows and when the API ran with tracing disabled. The app
-- roles' privileges on uploads are table-wide (app-roles migration): the
-- upload-api inserts it, every worker and ops may read it; no new GRANT.
ALTER TABLE uploads ADD COLUMN trace_parent text
  CHECK (trace_parent ~ '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$');
