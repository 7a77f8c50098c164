-- Up Migration

-- Retention and partitioning (issue 18, item 3; docs/retention.md says why
-- each table is handled the way it is). `airlock db prune` applies it through
-- the functions below, which run as their owner (this migration's role) and
-- are the only way the ops role can create, drop or empty anything:
--   * webhook_deliveries and object_incidents are partitioned by month (UTC)
--     of their timestamp, with a DEFAULT partition so an insert never fails;
--     an old month is dropped whole, except a delivery month that still holds
--     an undelivered row (then only its settled rows go);
--   * uploads are not partitioned: a terminal upload whose objects are gone
--     is deleted after its retention, with its audit, deliveries and scans;
--   * upload_events are not partitioned: they are the audit of their upload,
--     kept exactly as long as it and deleted with it (the cascade below);
--   * message_failures are deleted row by row after their retention (their
--     upsert key cannot carry a partition key).

-- Month partitions --------------------------------------------------------

-- The month partition of `parent` holding `month` (any instant in it),
-- created unless it exists; rows of that month already in the DEFAULT
-- partition move into it (PostgreSQL refuses a new partition while DEFAULT
-- holds rows of its range). Returns its name when it was (or, in a dry run,
-- would be) created, NULL when it exists.
CREATE FUNCTION airlock_month_partition(parent regclass, month timestamptz, dry_run boolean)
RETURNS text LANGUAGE plpgsql SET search_path = public, pg_temp SET lock_timeout = '5s' AS $$
DECLARE
  lower_bound timestamptz := date_trunc('month', month AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  upper_bound timestamptz := lower_bound + interval '1 month';
  name text := format('%s_p%s', parent::text, to_char(lower_bound AT TIME ZONE 'UTC', 'YYYY_MM'));
  key_column text;
  default_partition regclass;
  strays boolean := false;
BEGIN
  IF to_regclass(name) IS NOT NULL THEN
    RETURN NULL;
  END IF;
  IF dry_run THEN
    RETURN name;
  END IF;
  SELECT a.attname INTO STRICT key_column
  FROM pg_partitioned_table p JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
  WHERE p.partrelid = parent;
  SELECT i.inhrelid::regclass INTO default_partition
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  WHERE i.inhparent = parent AND pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT';
  IF default_partition IS NOT NULL THEN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE %I >= $1 AND %I < $2)',
      default_partition, key_column, key_column)
      INTO strays USING lower_bound, upper_bound;
  END IF;
  IF strays THEN
    EXECUTE format('CREATE TABLE %I (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name, parent);
    EXECUTE format(
      'WITH moved AS (DELETE FROM %s WHERE %I >= $1 AND %I < $2 RETURNING *) INSERT INTO %I SELECT * FROM moved',
      default_partition, key_column, key_column, name) USING lower_bound, upper_bound;
    EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
      parent, name, lower_bound, upper_bound);
  ELSE
    EXECUTE format('CREATE TABLE %I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
      name, parent, lower_bound, upper_bound);
  END IF;
  RETURN name;
END $$;

-- Every partitioned table's partitions from this month to `months_ahead`
-- months ahead, so rows never wait on a partition (DEFAULT only catches what
-- a missed run left uncovered).
CREATE FUNCTION airlock_create_partitions(months_ahead integer, dry_run boolean)
RETURNS TABLE (action text, target text, row_count bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  parent regclass;
  ahead integer;
  created text;
BEGIN
  FOR parent IN
    SELECT p.partrelid::regclass FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid
    WHERE c.relnamespace = 'public'::regnamespace AND NOT c.relispartition ORDER BY c.relname
  LOOP
    FOR ahead IN 0 .. months_ahead LOOP
      created := airlock_month_partition(parent, now() + make_interval(months => ahead), dry_run);
      IF created IS NOT NULL THEN
        action := 'create_partition'; target := created; row_count := 0;
        RETURN NEXT;
      END IF;
    END LOOP;
  END LOOP;
END $$;

-- The month partitions of `parent` whose whole month ended before `cutoff`.
CREATE FUNCTION airlock_partitions_before(parent regclass, cutoff timestamptz)
RETURNS SETOF regclass LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
  SELECT c.oid::regclass FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  WHERE i.inhparent = parent
    AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
    AND (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz <= cutoff
  ORDER BY c.relname
$$;

-- The webhook outbox ------------------------------------------------------

-- Rebuilt partitioned by month of created_at, its rows moved. The key must
-- include the partition key, so the primary key is (id, created_at) and
-- event_id is indexed, not unique: the trigger on upload_events writes one
-- row per terminal event, and nothing else inserts here. Deleting an upload
-- (retention only) takes its deliveries with it.
ALTER TABLE webhook_deliveries RENAME TO webhook_deliveries_unpartitioned;
ALTER TABLE webhook_deliveries_unpartitioned DROP CONSTRAINT webhook_deliveries_pkey;
DROP INDEX webhook_deliveries_unqueued, webhook_deliveries_upload;

CREATE TABLE webhook_deliveries (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  event_id bigint NOT NULL REFERENCES upload_events (id) ON DELETE CASCADE,
  upload_id uuid NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
  customer_id uuid NOT NULL REFERENCES customers (id),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  queued_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_attempt_at timestamptz,
  last_status integer,
  last_error text,
  delivered_at timestamptz,
  -- Set when the customer's endpoint is gone by the time the job runs.
  abandoned_at timestamptz,
  abandoned_reason text,
  in_flight_until timestamptz,
  PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE TABLE webhook_deliveries_default PARTITION OF webhook_deliveries DEFAULT;
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);
CREATE INDEX webhook_deliveries_unqueued ON webhook_deliveries (created_at) WHERE queued_at IS NULL;
CREATE INDEX webhook_deliveries_upload ON webhook_deliveries (upload_id);

-- Incidents ---------------------------------------------------------------

-- Append-only, partitioned by month of `at`. An incident outlives the upload
-- it names (bucket and key stay): deleting that upload clears the link.
ALTER TABLE object_incidents RENAME TO object_incidents_unpartitioned;
ALTER TABLE object_incidents_unpartitioned DROP CONSTRAINT object_incidents_pkey;
ALTER SEQUENCE object_incidents_id_seq RENAME TO object_incidents_unpartitioned_id_seq;
DROP INDEX object_incidents_key;

CREATE TABLE object_incidents (
  id bigint GENERATED ALWAYS AS IDENTITY,
  bucket text NOT NULL,
  key text NOT NULL,
  etag text,
  size bigint,
  upload_id uuid REFERENCES uploads (id) ON DELETE SET NULL,
  reason text NOT NULL,
  quarantine_bucket text,
  quarantine_key text,
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
CREATE TABLE object_incidents_default PARTITION OF object_incidents DEFAULT;
CREATE INDEX object_incidents_key ON object_incidents (bucket, key);

-- The existing rows, each in its month's partition (created for every month
-- they span, then the months ahead).
SELECT airlock_month_partition('webhook_deliveries', month, false)
FROM generate_series(
  date_trunc('month', (SELECT min(created_at) FROM webhook_deliveries_unpartitioned) AT TIME ZONE 'UTC'),
  date_trunc('month', now() AT TIME ZONE 'UTC'), interval '1 month') AS m(month_utc),
  LATERAL (SELECT m.month_utc AT TIME ZONE 'UTC' AS month) AS t;
SELECT airlock_month_partition('object_incidents', month, false)
FROM generate_series(
  date_trunc('month', (SELECT min(at) FROM object_incidents_unpartitioned) AT TIME ZONE 'UTC'),
  date_trunc('month', now() AT TIME ZONE 'UTC'), interval '1 month') AS m(month_utc),
  LATERAL (SELECT m.month_utc AT TIME ZONE 'UTC' AS month) AS t;
SELECT * FROM airlock_create_partitions(2, false);

INSERT INTO webhook_deliveries (id, event_id, upload_id, customer_id, created_at, queued_at,
  attempts, last_attempt_at, last_status, last_error, delivered_at, abandoned_at,
  abandoned_reason, in_flight_until)
SELECT id, event_id, upload_id, customer_id, created_at, queued_at, attempts, last_attempt_at,
  last_status, last_error, delivered_at, abandoned_at, abandoned_reason, in_flight_until
FROM webhook_deliveries_unpartitioned;
DROP TABLE webhook_deliveries_unpartitioned;

INSERT INTO object_incidents (id, bucket, key, etag, size, upload_id, reason, quarantine_bucket,
  quarantine_key, at)
OVERRIDING SYSTEM VALUE
SELECT id, bucket, key, etag, size, upload_id, reason, quarantine_bucket, quarantine_key, at
FROM object_incidents_unpartitioned;
SELECT setval(pg_get_serial_sequence('object_incidents', 'id'),
  (SELECT COALESCE(max(id), 0) + 1 FROM object_incidents), false);
DROP TABLE object_incidents_unpartitioned;

-- The same privileges as before, on the new tables (partitions are reached
-- through their parent only, which checks the parent's privileges).
GRANT SELECT, UPDATE ON webhook_deliveries TO airlock_notifier;
GRANT SELECT ON webhook_deliveries TO airlock_ops;
GRANT INSERT ON object_incidents TO airlock_verifier;
GRANT SELECT ON object_incidents TO airlock_ops;

-- The audit ---------------------------------------------------------------

-- Still append-only: no UPDATE ever, and an event is deleted only with its
-- upload (the cascade of a retention delete, which only the owner can run).
ALTER TABLE upload_events DROP CONSTRAINT upload_events_upload_id_fkey;
ALTER TABLE upload_events ADD CONSTRAINT upload_events_upload_id_fkey
  FOREIGN KEY (upload_id) REFERENCES uploads (id) ON DELETE CASCADE NOT VALID;
ALTER TABLE upload_events VALIDATE CONSTRAINT upload_events_upload_id_fkey;

CREATE OR REPLACE FUNCTION upload_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM uploads WHERE id = OLD.upload_id) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'upload_events is append-only';
END $$;

-- Pruning -----------------------------------------------------------------

-- Terminal uploads (rejected, quarantined, expired) last moved more than
-- `older_than_days` ago, at most `max_uploads` of them, oldest first, with
-- their audit, scans, renditions and deliveries. Never one with a delivery
-- still to send, nor one whose clean verdict another upload reuses. The
-- retention must outlast the objects (quarantine lifecycle, noncurrent
-- versions): docs/retention.md.
CREATE FUNCTION airlock_prune_uploads(older_than_days integer, max_uploads integer, dry_run boolean)
RETURNS TABLE (action text, target text, row_count bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  ids uuid[];
BEGIN
  IF older_than_days < 1 OR max_uploads < 1 THEN
    RAISE EXCEPTION 'older_than_days and max_uploads must be at least 1';
  END IF;
  SELECT array_agg(id) INTO ids FROM (
    SELECT u.id FROM uploads u
    WHERE u.state IN ('rejected', 'quarantined', 'expired')
      AND u.updated_at < now() - make_interval(days => older_than_days)
      AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d
                      WHERE d.upload_id = u.id AND d.delivered_at IS NULL AND d.abandoned_at IS NULL)
      AND NOT EXISTS (SELECT 1 FROM upload_scans s JOIN upload_scans r ON r.reused_from = s.id
                      WHERE s.upload_id = u.id AND r.upload_id <> u.id)
    ORDER BY u.updated_at LIMIT max_uploads
    FOR UPDATE OF u SKIP LOCKED) AS candidates;
  ids := COALESCE(ids, '{}');
  action := 'delete'; target := 'upload_events';
  SELECT count(*) INTO row_count FROM upload_events WHERE upload_id = ANY (ids);
  RETURN NEXT;
  target := 'webhook_deliveries';
  SELECT count(*) INTO row_count FROM webhook_deliveries WHERE upload_id = ANY (ids);
  RETURN NEXT;
  target := 'upload_scans';
  SELECT count(*) INTO row_count FROM upload_scans WHERE upload_id = ANY (ids);
  RETURN NEXT;
  target := 'uploads'; row_count := cardinality(ids);
  RETURN NEXT;
  IF NOT dry_run THEN
    DELETE FROM upload_renditions WHERE upload_id = ANY (ids);
    DELETE FROM upload_scans WHERE upload_id = ANY (ids);
    -- Events, deliveries and incident links follow by their foreign keys.
    DELETE FROM uploads WHERE id = ANY (ids);
  END IF;
END $$;

-- Settled webhook deliveries and incidents in months that ended more than
-- their retention ago (the whole month partition goes, or only its settled
-- deliveries while one is still to send), and message failures last seen
-- more than their retention ago.
CREATE FUNCTION airlock_prune_logs(
  deliveries_days integer, incidents_days integer, failures_days integer, dry_run boolean)
RETURNS TABLE (action text, target text, row_count bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET lock_timeout = '5s' AS $$
DECLARE
  part regclass;
  unsettled bigint;
  settled_only text := 'delivered_at IS NOT NULL OR abandoned_at IS NOT NULL';
BEGIN
  IF LEAST(deliveries_days, incidents_days, failures_days) < 1 THEN
    RAISE EXCEPTION 'retention days must be at least 1';
  END IF;
  FOR part IN SELECT airlock_partitions_before('webhook_deliveries',
                now() - make_interval(days => deliveries_days)) LOOP
    EXECUTE format('SELECT count(*) FILTER (WHERE NOT (%s)), count(*) FILTER (WHERE %s) FROM %s',
      settled_only, settled_only, part) INTO unsettled, row_count;
    target := part::text;
    IF unsettled = 0 THEN
      action := 'drop_partition';
      IF NOT dry_run THEN EXECUTE format('DROP TABLE %s', part); END IF;
    ELSE
      action := 'delete';
      IF NOT dry_run THEN EXECUTE format('DELETE FROM %s WHERE %s', part, settled_only); END IF;
      RETURN NEXT;
      action := 'keep_unsettled'; row_count := unsettled;
    END IF;
    RETURN NEXT;
  END LOOP;
  -- Rows a missed partition run left in DEFAULT follow the same rule.
  action := 'delete'; target := 'webhook_deliveries_default';
  SELECT count(*) INTO row_count FROM webhook_deliveries_default
  WHERE created_at < now() - make_interval(days => deliveries_days)
    AND (delivered_at IS NOT NULL OR abandoned_at IS NOT NULL);
  IF row_count > 0 THEN
    IF NOT dry_run THEN
      DELETE FROM webhook_deliveries_default
      WHERE created_at < now() - make_interval(days => deliveries_days)
        AND (delivered_at IS NOT NULL OR abandoned_at IS NOT NULL);
    END IF;
    RETURN NEXT;
  END IF;

  FOR part IN SELECT airlock_partitions_before('object_incidents',
                now() - make_interval(days => incidents_days)) LOOP
    EXECUTE format('SELECT count(*) FROM %s', part) INTO row_count;
    action := 'drop_partition'; target := part::text;
    IF NOT dry_run THEN EXECUTE format('DROP TABLE %s', part); END IF;
    RETURN NEXT;
  END LOOP;
  action := 'delete'; target := 'object_incidents_default';
  SELECT count(*) INTO row_count FROM object_incidents_default
  WHERE at < now() - make_interval(days => incidents_days);
  IF row_count > 0 THEN
    IF NOT dry_run THEN
      DELETE FROM object_incidents_default WHERE at < now() - make_interval(days => incidents_days);
    END IF;
    RETURN NEXT;
  END IF;

  action := 'delete'; target := 'message_failures';
  SELECT count(*) INTO row_count FROM message_failures
  WHERE last_failed_at < now() - make_interval(days => failures_days);
  IF NOT dry_run THEN
    DELETE FROM message_failures WHERE last_failed_at < now() - make_interval(days => failures_days);
  END IF;
  RETURN NEXT;
END $$;

REVOKE ALL ON FUNCTION airlock_month_partition(regclass, timestamptz, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION airlock_partitions_before(regclass, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION airlock_create_partitions(integer, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION airlock_prune_uploads(integer, integer, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION airlock_prune_logs(integer, integer, integer, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION airlock_create_partitions(integer, boolean),
  airlock_prune_uploads(integer, integer, boolean),
  airlock_prune_logs(integer, integer, integer, boolean) TO airlock_ops;
