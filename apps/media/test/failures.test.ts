import { PutObjectCommand } from '@aws-sdk/client-s3';
import { plainImage, truncatedJpeg } from '@airlock/imaging/testing';
import {
  airlockJson,
  pngClaiming,
  queueDepth,
  receiveAll,
  until,
  waitForState,
  type Tenant,
} from '@airlock/testing';
import { MediaHarness } from './media-harness.ts';

const media = new MediaHarness();

const { stack } = media;
let tenant: Tenant;

beforeEach(async () => {
  tenant = await stack.tenant();
});
afterEach(() => media.cleanUp());
afterAll(() => media.close());

describe('images sharp will not decode are a verdict, never a crash loop', () => {
  it('a PNG claiming 20000 × 20000 is rejected, and its message is acknowledged', async () => {
    const queue = await media.queues(2);
    const upload = await media.stageClean(tenant, pngClaiming(20_000, 20_000), 'image/png');
    media.startWorker(queue);

    const messageId = await media.send(queue, upload);
    const { upload: done, history } = await waitForState(stack.uploads, upload.id, [
      'ready',
      'rejected',
    ]);

    expect(done.state).toBe('rejected');
    expect(done.reason).toMatch(/^image_unprocessable: .*pixel limit/i);
    expect(history.at(-1)).toMatchObject({ fromState: 'clean', actor: 'media' });
    await until('the job acknowledged', () => media.drained(queue.url));
    expect(await receiveAll(stack.sqs, queue.dlqUrl, 1500)).toEqual([]);
    expect(await media.failuresOf([messageId])).toEqual([]);
    expect(await media.renditions.forUpload(upload.id)).toEqual([]);
    expect(await media.processedKeys(upload)).toEqual([]);
  });

  it('under MEDIA_FAILURE_POLICY=ready a truncated JPEG is ready with no renditions and the reason in the detail', async () => {
    const queue = await media.queues(2);
    const upload = await media.stageClean(tenant, await truncatedJpeg(), 'image/jpeg');
    media.startWorker(queue, { MEDIA_FAILURE_POLICY: 'ready' });

    await media.send(queue, upload);
    const { upload: done } = await waitForState(stack.uploads, upload.id, ['ready', 'rejected']);

    expect(done.state).toBe('ready');
    expect(done.reason).toBeNull();
    const [ready] = await media.transitionsTo(upload.id, 'ready');
    expect(ready!.actor).toBe('media');
    expect(ready!.detail).toEqual({
      renditions: [],
      unprocessable: expect.stringMatching(/^image_unprocessable: .*premature end of JPEG/i),
    });
    expect(await media.renditions.forUpload(upload.id)).toEqual([]);
  });
});

describe('infrastructure errors are retried, and never decide anything', () => {
  it('a processed bucket that is missing: retried, then dead-lettered, the upload still clean', async () => {
    const queue = await media.queues(2);
    const upload = await media.stageClean(tenant, await plainImage('png', 320, 240), 'image/png');
    media.startWorker(queue, { PROCESSED_BUCKET: 'no-such-bucket' });

    const messageId = await media.send(queue, upload);
    const dead = await until(
      'the dead letter',
      async () => (await receiveAll(stack.sqs, queue.dlqUrl, 1000))[0],
      60_000,
    );

    expect(JSON.parse(dead).uploadId).toBe(upload.id);
    expect((await stack.uploads.find(upload.id))!.state).toBe('clean');
    const [failure] = await media.failuresOf([messageId]);
    expect(failure).toMatchObject({ permanent: false });
    expect(failure!.last_error).toMatch(/bucket/i);
  });

  it('the poison message, once the fault is fixed, is replayed with airlock dlq replay and the upload becomes ready', async () => {
    const queue = await media.queues(2);
    const upload = await media.stageClean(tenant, await plainImage('png', 320, 240), 'image/png');
    const broken = media.startWorker(queue, { PROCESSED_BUCKET: 'no-such-bucket' });
    await media.send(queue, upload);
    await until(
      'the dead letter',
      async () => ((await queueDepth(stack.sqs, queue.dlqUrl)) > 0 ? true : undefined),
      60_000,
    );
    await broken.close();
    expect((await stack.uploads.find(upload.id))!.state).toBe('clean');

    // The fault fixed (the right bucket), the operator replays the dead letter.
    media.startWorker(queue);
    const replay = await airlockJson(
      'dlq',
      'replay',
      'media-jobs',
      '--queue-url',
      queue.url,
      '--dlq-url',
      queue.dlqUrl,
      '--upload',
      upload.id,
    );
    expect(replay).toMatchObject({ replayed: 1 });
    const { upload: done } = await waitForState(
      stack.uploads,
      upload.id,
      ['ready', 'rejected'],
      20_000,
    );
    expect(done.state).toBe('ready');
    expect((await media.renditions.forUpload(upload.id)).length).toBeGreaterThan(0);
  });

  it('other bytes under the key since verification (a store without versions) are not rendered: rejected content_replaced', async () => {
    const queue = await media.queues(2);
    const upload = await media.stageClean(tenant, await plainImage('png', 320, 240), 'image/png');
    // Another valid PNG overwrites the verified one, as a leaked URL could on a
    // store that keeps no versions and does not enforce the signed checksum.
    await stack.s3.send(
      new PutObjectCommand({
        Bucket: upload.bucket,
        Key: upload.key,
        Body: await plainImage('png', 64, 64),
        ContentType: 'image/png',
      }),
    );
    media.startWorker(queue);

    await media.send(queue, upload);
    const { upload: rejected, history } = await waitForState(stack.uploads, upload.id, [
      'rejected',
      'ready',
    ]);

    expect(rejected).toMatchObject({ state: 'rejected', reason: 'content_replaced' });
    expect(history.at(-1)).toMatchObject({ actor: 'media', toState: 'rejected' });
    expect(await media.processedKeys(upload)).toEqual([]);
    expect(await until('the queue drained', () => media.drained(queue.url))).toBe(true);
  });
});
