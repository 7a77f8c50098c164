-- Up Migration
-- clamd reports password-protected documents and archives it cannot read
-- (AlertEncrypted: Heuristics.Encrypted.*); the scanner records them as
-- 'encrypted', a verdict that is never clean.
ALTER TABLE upload_scans DROP CONSTRAINT upload_scans_result_check;
ALTER TABLE upload_scans ADD CONSTRAINT upload_scans_result_check
  CHECK (result IN ('clean', 'infected', 'limits_exceeded', 'encrypted'));
