/**
 * The upload-api's baseline: the seed article's flow in a bare Express handler.
 * One SELECT (customer joined to site), one INSERT, one `getSignedUrl`, on
 * the same database and S3 endpoint as our API. No auth, no rate limit, no
 * dedup, no audit, no logging: the floor our API is measured against.
 */
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import express from 'express';
import pg from 'pg';
import { answerParent } from '../child.ts';

export type SeedServerInput = {
  readonly databaseUrl: string;
  /** Created by the stage for this run, like the seed's `files` table. */
  readonly table: string;
  readonly bucket: string;
  readonly s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };
};

answerParent(async (input: SeedServerInput) => {
  // Our API's pool size, so neither side is starved of connections.
  const db = new pg.Pool({ connectionString: input.databaseUrl, max: 10 });
  const s3 = new S3Client({
    region: input.s3.region,
    endpoint: input.s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: input.s3.accessKeyId, secretAccessKey: input.s3.secretAccessKey },
  });

  const app = express();
  app.use(express.json());
  app.post('/v1/uploads', async (req, res) => {
    const { customerId, siteId, contentType, size, sha256 } = req.body as Record<string, string>;
    const found = await db.query(
      `SELECT c.id AS customer_id, s.id AS site_id FROM customers c
       JOIN sites s ON c.id = s.customer_id WHERE c.id = $1 AND s.id = $2`,
      [customerId, siteId],
    );
    if (found.rows.length === 0) {
      res.status(404).json({ error: 'unknown customer or site' });
      return;
    }
    const folderKey = createHash('md5').update(`${customerId}-${siteId}`).digest('hex');
    const s3Key = `${folderKey}/${sha256}.txt`;
    await db.query(
      `INSERT INTO ${input.table} (sha256_hash, s3_key, file_type, size_bytes, customer_id, status)
       VALUES ($1, $2, $3, $4, $5, 'pending')`,
      [sha256, s3Key, contentType, size, customerId],
    );
    const uploadUrl = await getSignedUrl(
      s3,
      new PutObjectCommand({
        Bucket: input.bucket,
        Key: s3Key,
        ContentType: contentType,
        ContentLength: Number(size),
        ChecksumSHA256: Buffer.from(sha256!, 'hex').toString('base64'),
      }),
      { expiresIn: 120 },
    );
    res.status(201).json({ upload_url: uploadUrl, folder_key: folderKey, s3_key: s3Key });
  });

  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return { port: (server.address() as AddressInfo).port };
}, true);
