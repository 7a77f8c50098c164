-- Up Migration

-- Upload tokens (upload-tokens migration) live an hour at most, and a page
-- may mint one per visit, so the table grows with traffic rather than with
-- uploads. `airlock db prune` deletes a token once it has been expired for
-- the retention's days, unless an upload names it: such a token stays as long
-- as its uploads (their dedup scope and the verifier's revocation check name
-- it). An expired token authenticates nothing, so no new upload can come to
-- name one while it is deleted.
CREATE INDEX upload_tokens_expires ON upload_tokens (expires_at);

CREATE FUNCTION airlock_prune_upload_tokens(
  older_than_days integer, max_tokens integer, dry_run boolean)
RETURNS TABLE (action text, target text, row_count bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET lock_timeout = '5s' AS $$
DECLARE
  ids uuid[];
BEGIN
  IF older_than_days < 1 OR max_tokens < 1 THEN
    RAISE EXCEPTION 'older_than_days and max_tokens must be at least 1';
  END IF;
  SELECT array_agg(id) INTO ids FROM (
    SELECT t.id FROM upload_tokens t
    WHERE t.expires_at < now() - make_interval(days => older_than_days)
      AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.upload_token_id = t.id)
    ORDER BY t.expires_at LIMIT max_tokens
    FOR UPDATE OF t SKIP LOCKED) AS candidates;
  ids := COALESCE(ids, '{}');
  action := 'delete'; target := 'upload_tokens'; row_count := cardinality(ids);
  IF NOT dry_run THEN
    DELETE FROM upload_tokens WHERE id = ANY (ids);
  END IF;
  RETURN NEXT;
END $$;

REVOKE ALL ON FUNCTION airlock_prune_upload_tokens(integer, integer, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION airlock_prune_upload_tokens(integer, integer, boolean) TO airlock_ops;
