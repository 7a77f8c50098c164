/**
 * The rows one chunk of uploads leaves, written the way the pipeline writes
 * them: inserted pending with the API's event (as insertPendingUnlessLive), then moved one state at a time
 * (an UPDATE of `uploads` and its audit event, the outbox trigger adding a
 * delivery on a terminal move), scans and renditions recorded, deliveries
 * queued, claimed and delivered (three UPDATEs). Column values have the
 * lengths production gives them (64-hex hashes, tenant folders, traceparent,
 * eTags, version ids). `$1` is the chunk's first upload number, `$2` its size.
 */
export const INSERT_PENDING = `WITH n AS (
     SELECT i, (i % 100) AS c FROM generate_series($1::bigint, $1::bigint + $2 - 1) AS i
   ), inserted AS (
     INSERT INTO uploads (customer_id, site_id, dedup_scope, original_name, declared_content_type,
       declared_size, declared_sha256, detected_content_type, category, bucket, key, expires_at,
       api_key_id, trace_parent)
     SELECT t.customer_id, t.site_id, 'customer:' || t.customer_id,
       'IMG_' || to_char(now(), 'YYYYMMDD') || '_' || lpad(n.i::text, 6, '0') || '.jpg', 'image/jpeg',
       1000000 + n.i % 4000000, encode(sha256(n.i::text::bytea), 'hex'), 'image/jpeg', 'images',
       'uploads',
       left(encode(sha256(t.customer_id::text::bytea), 'hex'), 32) || '/images/'
         || encode(sha256(n.i::text::bytea), 'hex') || '.jpg',
       now() + interval '15 minutes', t.api_key_id,
       '00-' || md5(n.i::text) || '-' || left(md5('s' || n.i), 16) || '-01'
     FROM n JOIN size_tenants t ON t.c = n.c
     RETURNING id
   )
   INSERT INTO upload_events (upload_id, from_state, to_state, actor)
   SELECT id, NULL, 'pending', 'api' FROM inserted`;

/** Which way each upload of the chunk goes (`$1` ready share, `$2` expired share, rejected the rest). */
export const FATES_STATEMENTS: readonly string[] = [
  'TRUNCATE size_fates',
  `INSERT INTO size_fates (id, fate)
   SELECT id, CASE WHEN r < $1 THEN 'ready' WHEN r < $1 + $2 THEN 'expired' ELSE 'rejected' END
   FROM (SELECT id, random() AS r FROM uploads WHERE state = 'pending') AS p`,
];

/** One move of every upload of a fate in `from`: the shape of uploadMoveQuery. */
export const move = (
  fates: string,
  from: string,
  to: string,
  actor: string,
  detail: string,
  reason = 'NULL',
  set = '',
) => `WITH moved AS (
    UPDATE uploads u SET state = '${to}', reason = ${reason}, updated_at = now()${set}
    FROM size_fates f
    WHERE f.id = u.id AND f.fate IN (${fates}) AND u.state = '${from}'
    RETURNING u.id, u.declared_sha256, u.declared_size, u.key
  )
  INSERT INTO upload_events (upload_id, from_state, to_state, reason, actor, detail)
  SELECT id, '${from}', '${to}', ${reason}, '${actor}', ${detail} FROM moved`;

/** The moves, scans, renditions and deliveries that follow the chunk's inserts. */
export const LIFECYCLE_STATEMENTS: readonly string[] = [
  move(
    `'ready', 'rejected'`,
    'pending',
    'uploaded',
    'verifier',
    `jsonb_build_object('eTag', '"' || md5(key) || '"', 'size', declared_size)`,
  ),
  move(`'expired'`, 'pending', 'expired', 'sweep', 'NULL', `'expired'`),
  move(
    `'rejected'`,
    'uploaded',
    'rejected',
    'verifier',
    `jsonb_build_object('declared', declared_sha256, 'measured', md5(key) || md5(key))`,
    `'sha256 mismatch'`,
  ),
  move(
    `'ready'`,
    'uploaded',
    'verified',
    'verifier',
    `jsonb_build_object('sha256', declared_sha256, 'size', declared_size)`,
    'NULL',
    `, verified_etag = '"' || md5(u.key) || '"', version_id = left(md5('v' || u.key), 32),
       scan_requested_at = now()`,
  ),
  `INSERT INTO upload_scans (upload_id, trigger, result, engine, signatures)
   SELECT u.id, 'upload', 'clean', 'ClamAV 1.4.3', 'daily 27470 (Sat Nov 29 09:46:33 2026)'
   FROM uploads u JOIN size_fates f ON f.id = u.id WHERE f.fate = 'ready' AND u.state = 'verified'`,
  move(
    `'ready'`,
    'verified',
    'clean',
    'scanner',
    `jsonb_build_object('scannedSha256', declared_sha256)`,
    'NULL',
    ', media_requested_at = now()',
  ),
  `INSERT INTO upload_renditions (upload_id, name, format, width, height, size, bucket, key)
   SELECT u.id, r.name, 'webp', r.w, r.h, r.size, 'processed',
     replace(u.key, '.jpg', '') || '/' || r.name || '.webp'
   FROM uploads u JOIN size_fates f ON f.id = u.id
   CROSS JOIN (VALUES ('thumb', 256, 192, 12000), ('preview', 1280, 960, 180000)) AS r(name, w, h, size)
   WHERE f.fate = 'ready' AND u.state = 'clean'`,
  move(
    `'ready'`,
    'clean',
    'ready',
    'media',
    `jsonb_build_object('renditions', jsonb_build_array('thumb', 'preview'))`,
  ),
  // The notifier: relayed, claimed, delivered.
  `UPDATE webhook_deliveries SET queued_at = now()
   WHERE upload_id IN (SELECT id FROM size_fates) AND queued_at IS NULL`,
  `UPDATE webhook_deliveries SET in_flight_until = now() + interval '30 seconds'
   WHERE upload_id IN (SELECT id FROM size_fates) AND delivered_at IS NULL`,
  `UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = now(), last_status = 200,
     delivered_at = now(), in_flight_until = NULL
   WHERE upload_id IN (SELECT id FROM size_fates) AND delivered_at IS NULL`,
];

/** 100 customers, each with a site, an API key and a webhook endpoint. */
export const SETUP_STATEMENTS: readonly string[] = [
  `CREATE TABLE size_tenants (c integer PRIMARY KEY, customer_id uuid, site_id uuid, api_key_id uuid)`,
  `CREATE TABLE size_fates (id uuid PRIMARY KEY, fate text NOT NULL)`,
  `WITH c AS (
     INSERT INTO customers (name) SELECT 'customer ' || g FROM generate_series(0, 99) AS g
     RETURNING id, name
   ), s AS (
     INSERT INTO sites (customer_id, name) SELECT id, 'main' FROM c RETURNING id, customer_id
   ), k AS (
     INSERT INTO api_keys (customer_id, prefix, key_hash)
     SELECT id, 'ak_' || left(md5(id::text), 12), sha256(id::text::bytea) FROM c
     RETURNING id, customer_id
   ), w AS (
     INSERT INTO webhook_endpoints (customer_id, url, secret)
     SELECT id, 'https://hooks.example.com/airlock', 'whsec_' || md5(id::text) FROM c
   )
   INSERT INTO size_tenants
   SELECT split_part(c.name, ' ', 2)::integer, c.id, s.id, k.id
   FROM c JOIN s ON s.customer_id = c.id JOIN k ON k.customer_id = c.id`,
];

/** Incidents and message failures: they follow anomalies, not uploads (`$1` rows of each). */
export const ANOMALY_STATEMENTS: readonly string[] = [
  `INSERT INTO object_incidents (bucket, key, etag, size, reason, quarantine_bucket, quarantine_key)
   SELECT 'uploads', left(md5(g::text), 32) || '/images/' || encode(sha256(g::text::bytea), 'hex') || '.jpg',
     '"' || md5(g::text) || '"', 2000000, 'no upload waits for this key', 'quarantine',
     'incidents/' || left(md5(g::text), 32) || '/' || encode(sha256(g::text::bytea), 'hex')
   FROM generate_series(1, $1::integer) AS g`,
  `INSERT INTO message_failures (queue, message_id, receive_count, permanent, last_error)
   SELECT 'scan-jobs', gen_random_uuid()::text, 3, false,
     'clamd: connection reset by peer (ECONNRESET) while scanning ' || md5(g::text)
   FROM generate_series(1, $1::integer) AS g`,
];
