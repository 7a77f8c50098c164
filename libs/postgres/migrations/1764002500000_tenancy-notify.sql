-- Up Migration

-- The upload-api holds API keys and sites in process (libs/postgres/src/
-- tenancy-cache.ts). Any change to a key, a site or a customer that could
-- make a cached answer wrong (a revocation above all) notifies every API
-- process, which drops its cache on the spot. A new row needs no notice:
-- only found rows are cached. pg_notify and LISTEN need no privilege, and the
-- notice is sent on commit only.
CREATE FUNCTION notify_tenancy_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM pg_notify('airlock_tenancy_changed', TG_TABLE_NAME);
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION notify_tenancy_changed() FROM PUBLIC;

CREATE TRIGGER api_keys_tenancy_changed AFTER UPDATE OR DELETE OR TRUNCATE ON api_keys
  FOR EACH STATEMENT EXECUTE FUNCTION notify_tenancy_changed();
CREATE TRIGGER sites_tenancy_changed AFTER UPDATE OR DELETE OR TRUNCATE ON sites
  FOR EACH STATEMENT EXECUTE FUNCTION notify_tenancy_changed();
CREATE TRIGGER customers_tenancy_changed AFTER UPDATE OR DELETE OR TRUNCATE ON customers
  FOR EACH STATEMENT EXECUTE FUNCTION notify_tenancy_changed();
