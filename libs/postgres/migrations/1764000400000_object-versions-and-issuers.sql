-- Up Migration

-- The S3 VersionId of the object a worker verified (NULL where the store keeps
-- no versions): scanner, media and download reads are pinned to it, so bytes
-- written under the same key afterwards are never what gets scanned or served.
ALTER TABLE uploads ADD COLUMN version_id text;

-- The API key that issued the currently valid upload URL (NULL for rows from
-- before this column): the verifier refuses bytes whose issuer was revoked
-- before they were verified.
ALTER TABLE uploads ADD COLUMN api_key_id uuid REFERENCES api_keys (id);
