import { readFileSync } from 'node:fs';
import { logFile } from '../src/processes.ts';
import { stackSettings } from '../src/stack-settings.ts';
import { status, stopService, up } from '../src/stack.ts';

const logOf = (name: string) => readFileSync(logFile(stackSettings(), name), 'utf8');

describe('stopping a worker of the stack', () => {
  afterAll(() => up());

  // Killed mid long poll, a worker would leave the message SQS still hands that
  // poll hidden for a visibility timeout: the stack's polls end before its grace.
  it('lets an idle worker finish its long poll and close, rather than killing it', async () => {
    // `media`, or `media-1` with replicas (every replica stops).
    const media = status().services.find((s) => s.group === 'media')!.name;
    const before = logOf(media).length;
    expect(await stopService('media')).toBe(true);
    const written = logOf(media).slice(before);
    expect(written).toContain('"msg":"consumer closed"');
  });
});
