-- Up Migration

-- One group role per app, with only the privileges its queries use (issue 12,
-- finding 15). The role that runs migrations keeps owning every table, type
-- and function, so no app can ALTER or DROP a table, disable or drop the
-- append-only trigger, or replace its function: only an owner can. Nothing
-- here can log in: each deployment creates one LOGIN role per app inside its
-- group (`<group>_app`, see libs/postgres/src/app-logins.ts), so passwords
-- never live in a migration. Roles are cluster-wide, hence IF NOT EXISTS.
--
-- A later migration that adds a table must GRANT on it to the groups that use
-- it (nothing is granted by default); new columns of these tables are covered.
DO $$
DECLARE
  name text;
BEGIN
  FOREACH name IN ARRAY ARRAY[
    'airlock_upload_api', 'airlock_verifier', 'airlock_scanner',
    'airlock_media', 'airlock_notifier', 'airlock_ops'
  ] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = name) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', name);
    END IF;
  END LOOP;
END $$;

-- Nobody but the owner creates objects in the schema (PostgreSQL 15+ already
-- refuses PUBLIC; older servers do not).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO
  airlock_upload_api, airlock_verifier, airlock_scanner, airlock_media, airlock_notifier, airlock_ops;

-- The webhook outbox is written by the trigger on upload_events, for whichever
-- app makes a terminal transition: as its owner, so no app needs INSERT on
-- webhook_deliveries or SELECT on webhook_endpoints (the signing secrets).
ALTER FUNCTION webhook_deliveries_for_event() SECURITY DEFINER SET search_path = public, pg_temp;
REVOKE ALL ON FUNCTION webhook_deliveries_for_event() FROM PUBLIC;
REVOKE ALL ON FUNCTION upload_events_append_only() FROM PUBLIC;

-- upload-api: authenticates keys, reads sites, creates and extends pending
-- uploads (with their first audit event), answers status with history,
-- signs downloads of renditions, manages the caller's webhook endpoint.
GRANT SELECT ON api_keys, sites, upload_renditions TO airlock_upload_api;
GRANT SELECT, INSERT, UPDATE ON uploads TO airlock_upload_api;
GRANT SELECT, INSERT ON upload_events TO airlock_upload_api;
GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_endpoints TO airlock_upload_api;

-- verifier: finds the upload of an object, moves it (audit appended), records
-- incidents and message failures, and checks whether the issuing key was
-- revoked (that key's id and revocation only, never its hash).
GRANT SELECT, UPDATE ON uploads TO airlock_verifier;
GRANT INSERT ON upload_events TO airlock_verifier;
GRANT INSERT ON object_incidents TO airlock_verifier;
GRANT SELECT (id, revoked_at) ON api_keys TO airlock_verifier;

-- scanner: reads and moves uploads, records verdicts, removes the renditions
-- of content a rescan quarantines.
GRANT SELECT, UPDATE ON uploads TO airlock_scanner;
GRANT INSERT ON upload_events TO airlock_scanner;
GRANT SELECT, INSERT ON upload_scans TO airlock_scanner;
GRANT SELECT, DELETE ON upload_renditions TO airlock_scanner;

-- media: reads and moves uploads, writes renditions (upsert).
GRANT SELECT, UPDATE ON uploads TO airlock_media;
GRANT INSERT ON upload_events TO airlock_media;
GRANT SELECT, INSERT, UPDATE ON upload_renditions TO airlock_media;

-- notifier: relays the outbox and records attempts; reads what a delivery
-- carries (event, upload, the customer's endpoint and secret).
GRANT SELECT, UPDATE ON webhook_deliveries TO airlock_notifier;
GRANT SELECT ON upload_events, uploads, webhook_endpoints TO airlock_notifier;

-- Every worker records the last error of a failed message (an upsert).
GRANT SELECT, INSERT, UPDATE ON message_failures TO
  airlock_verifier, airlock_scanner, airlock_media, airlock_notifier;

-- ops (the airlock CLI): administers customers, sites and keys; sweeps
-- (pending → expired, with audit); inspects uploads, scans, renditions,
-- deliveries, incidents and dead letters' failures; rescans.
GRANT SELECT, INSERT ON customers, sites TO airlock_ops;
GRANT SELECT, INSERT, UPDATE ON api_keys TO airlock_ops;
GRANT SELECT, UPDATE ON uploads TO airlock_ops;
GRANT SELECT, INSERT ON upload_events TO airlock_ops;
GRANT SELECT ON upload_scans, upload_renditions, webhook_deliveries, webhook_endpoints,
  message_failures, object_incidents TO airlock_ops;
