import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { PgUploadScans } from '@airlock/postgres';
import {
  fileOf,
  StackClients,
  uniqueVideo,
  VIDEO_FIXTURES,
  waitForState,
  type Tenant,
  type VideoKind,
} from '@airlock/testing';

// Through the stack's own processes: API → S3 → verifier → scanner (clamd) → ready.
const stack = new StackClients();
const scans = new PgUploadScans({ pool: stack.pool });
let tenant: Tenant;

beforeAll(async () => {
  tenant = await stack.tenant();
});
afterAll(() => stack.close());

const send = (bytes: Buffer, contentType: string) =>
  stack.uploadThroughApi(tenant, fileOf(bytes), contentType);

describe('videos (mp4, webm, QuickTime)', () => {
  it.each(Object.keys(VIDEO_FIXTURES) as VideoKind[])(
    'a real %s goes verified → clean → ready, never through the media worker',
    async (kind) => {
      const { contentType } = VIDEO_FIXTURES[kind];
      const { uploadId, key } = await send(uniqueVideo(kind), contentType);
      expect(key).toMatch(new RegExp(`/video/[0-9a-f]{64}\\.${kind}$`));
      const { upload, history } = await waitForState(
        stack.uploads,
        uploadId,
        ['ready', 'rejected', 'quarantined'],
        60_000,
      );
      expect(upload.state).toBe('ready');
      expect(upload.detectedContentType).toBe(contentType);
      expect(upload.mediaRequestedAt).toBeNull();
      expect(history.map((h) => [h.toState, h.actor])).toEqual([
        ['pending', expect.stringMatching(/^api-key:/)],
        ['uploaded', 'verifier'],
        ['verified', 'verifier'],
        ['clean', 'scanner'],
        ['ready', 'scanner'],
      ]);
      expect((await scans.forUpload(uploadId))[0]).toMatchObject({ result: 'clean' });
      const head = await stack.s3.send(
        new HeadObjectCommand({ Bucket: stack.config.uploads.bucket, Key: key }),
      );
      expect(head.ContentType).toBe(contentType);
    },
  );

  it.each([
    ['an mp4 declared as webm', () => uniqueVideo('mp4'), 'video/webm', 'stored video/mp4'],
    [
      'a webm declared as QuickTime',
      () => uniqueVideo('webm'),
      'video/quicktime',
      'stored video/webm',
    ],
    [
      'a QuickTime movie declared as mp4',
      () => uniqueVideo('mov'),
      'video/mp4',
      'stored video/quicktime',
    ],
    [
      'a PDF declared as mp4',
      () => Buffer.from(`%PDF-1.7\n% ${Math.random()}\n%%EOF\n`),
      'video/mp4',
      'stored application/pdf',
    ],
  ])('%s is rejected as type_mismatch', async (_label, bytes, declared, stored) => {
    const { uploadId } = await send(bytes(), declared);
    const { upload, history } = await waitForState(stack.uploads, uploadId);
    expect(upload.state).toBe('rejected');
    expect(upload.reason).toBe('type_mismatch');
    expect(history.at(-1)).toMatchObject({ toState: 'rejected', actor: 'verifier' });
    const { rows } = await stack.pool.query<{ detail: unknown }>(
      `SELECT detail FROM upload_events WHERE upload_id = $1 AND to_state = 'rejected'`,
      [uploadId],
    );
    expect(JSON.stringify(rows[0]?.detail)).toContain(`declared ${declared}, ${stored}`);
  });
});
