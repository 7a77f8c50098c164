import { uniqueText } from '@airlock/testing';
import { runDemo } from '../../src/operations/demo.ts';

// The demo's walk through the running stack, without the CLI or `dev up`
// (test/demo.test.ts runs `airlock demo` on the three samples).
describe('runDemo', () => {
  it('takes a file through the API, S3 and every worker to ready, with a verified webhook', async () => {
    const file = uniqueText('demo');
    const log: string[] = [];
    const [result] = await runDemo(
      { apiUrl: process.env.AIRLOCK_API_URL!, databaseUrl: process.env.DATABASE_URL! },
      (line) => log.push(line),
      [{ name: 'note.txt', contentType: 'text/plain', bytes: async () => file.bytes }],
    );

    expect(result).toMatchObject({
      file: 'note.txt',
      upload: { state: 'ready', reason: null },
      webhook: { type: 'upload.ready', verified: true, uploadId: result!.uploadId },
    });
    const text = log.join('\n');
    expect(text).toContain(`note.txt: POST /v1/uploads → 201, upload ${result!.uploadId}`);
    expect(text).toContain(`PUT ${file.size} bytes straight to S3 → 200`);
    for (const state of ['uploaded', 'verified', 'clean', 'ready']) expect(text).toContain(state);
    expect(text).toContain('webhook upload.ready received, signature verified');
  });
});
