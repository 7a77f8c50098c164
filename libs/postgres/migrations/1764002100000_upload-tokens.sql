-- Up Migration

-- Browser upload tokens (issue 14): a customer's backend mints, with its API
-- key, a short-lived token scoped to one site (types, size, count, origin) and
-- hands it to a page. Stored, not stateless: "max uploads" needs a counter,
-- a leaked token is revoked at once, and revoking the issuing key revokes its
-- tokens (authentication joins api_keys). Only a SHA-256 of the whole token is
-- kept, found by its prefix, exactly like API keys.
CREATE TABLE upload_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  customer_id uuid NOT NULL REFERENCES customers (id),
  site_id uuid NOT NULL REFERENCES sites (id),
  api_key_id uuid NOT NULL REFERENCES api_keys (id),
  prefix text NOT NULL UNIQUE,
  token_hash bytea NOT NULL,
  -- NULL: the server's allow-list.
  content_types text[] CHECK (content_types IS NULL OR cardinality(content_types) >= 1),
  -- NULL: the category limits.
  max_size bigint CHECK (max_size IS NULL OR max_size > 0),
  max_uploads integer NOT NULL CHECK (max_uploads > 0),
  uploads_created integer NOT NULL DEFAULT 0 CHECK (uploads_created BETWEEN 0 AND max_uploads),
  -- A browser request must come from this origin too (besides the site's).
  origin text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL CHECK (expires_at <= created_at + interval '1 hour'),
  revoked_at timestamptz
);
CREATE INDEX upload_tokens_api_key ON upload_tokens (api_key_id);

-- The token that created an upload: a token reads and acts only on its own.
ALTER TABLE uploads ADD COLUMN upload_token_id uuid REFERENCES upload_tokens (id);
CREATE INDEX uploads_upload_token ON uploads (upload_token_id) WHERE upload_token_id IS NOT NULL;

-- A token's uploads dedup only among themselves (`customer:<id>:token:<token
-- id>`): a token caller proves it holds the bytes by sending them, so a hash
-- never hands it the customer's other uploads.
ALTER TABLE uploads DROP CONSTRAINT uploads_dedup_per_customer;
ALTER TABLE uploads ADD CONSTRAINT uploads_dedup_per_customer CHECK (
  (upload_token_id IS NULL AND (
     dedup_scope = 'customer:' || customer_id::text
     OR dedup_scope = 'customer:' || customer_id::text || ':upload:' || id::text))
  OR (upload_token_id IS NOT NULL
     AND dedup_scope = 'customer:' || customer_id::text || ':token:' || upload_token_id::text)
);

-- The browser origins a site's pages upload from (CORS on /v1 for tokens).
ALTER TABLE sites ADD COLUMN allowed_origins text[] NOT NULL DEFAULT '{}';

-- upload-api: mints, authenticates, counts and revokes tokens.
GRANT SELECT, INSERT, UPDATE ON upload_tokens TO airlock_upload_api;
-- ops: sets a site's origins (a new column of sites: UPDATE is new).
GRANT UPDATE (allowed_origins) ON sites TO airlock_ops;
-- verifier: refuses bytes whose token was revoked (id and revocation only).
GRANT SELECT (id, revoked_at) ON upload_tokens TO airlock_verifier;
