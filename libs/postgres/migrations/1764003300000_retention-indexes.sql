-- Up Migration

-- What `airlock_prune_uploads` reads and what its deletes make PostgreSQL
-- check, indexed, so a batch costs the rows it removes and not a scan of the
-- tables (docs/retention.md):
-- the terminal uploads, oldest last move first;
CREATE INDEX uploads_terminal_moved ON uploads (updated_at)
  WHERE state IN ('rejected', 'quarantined', 'expired');
-- the scans that reuse another's verdict (the guard, and the foreign key
-- check when a scan is deleted);
CREATE INDEX upload_scans_reused_from ON upload_scans (reused_from)
  WHERE reused_from IS NOT NULL;
-- the incidents naming an upload (ON DELETE SET NULL).
CREATE INDEX object_incidents_upload ON object_incidents (upload_id)
  WHERE upload_id IS NOT NULL;
