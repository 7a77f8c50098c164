import { airlock } from './support/run-cli.ts';

type DemoResult = {
  file: string;
  upload: { state: string; reason: string | null; renditions: Array<{ name: string }> };
  webhook: { type: string; verified: boolean } | null;
};

describe('airlock demo (the README’s first command)', () => {
  it('takes a photo and a PDF to ready and EICAR to quarantined, each with a verified webhook', async () => {
    const run = await airlock('demo', '--json');
    expect(run.code).toBe(0);
    const results = JSON.parse(run.stdout) as DemoResult[];

    expect(
      results.map(({ file, upload, webhook }) => ({ file, state: upload.state, webhook })),
    ).toEqual([
      {
        file: 'sample-photo.jpg',
        state: 'ready',
        webhook: {
          type: 'upload.ready',
          verified: true,
          uploadId: expect.any(String),
          webhookId: expect.any(String),
        },
      },
      {
        file: 'sample-document.pdf',
        state: 'ready',
        webhook: expect.objectContaining({ type: 'upload.ready', verified: true }),
      },
      {
        file: 'eicar.txt',
        state: 'quarantined',
        webhook: expect.objectContaining({ type: 'upload.quarantined', verified: true }),
      },
    ]);
    expect(results[0]!.upload.renditions.map((r) => r.name).sort()).toEqual([
      'w1024-avif',
      'w1024-webp',
      'w256-webp',
    ]);
    expect(results[2]!.upload.reason).toBe('Airlock.Test.EICAR.UNOFFICIAL');
  });
});
