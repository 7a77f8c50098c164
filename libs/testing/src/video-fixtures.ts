import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * Tiny real videos (0.4 s of ffmpeg's testsrc at 32×32), made once with
 * ffmpeg and committed: see libs/testing/fixtures/video/README.md. Tests
 * never need ffmpeg.
 */
export const VIDEO_FIXTURES = {
  mp4: { file: 'tiny.mp4', contentType: 'video/mp4' },
  webm: { file: 'tiny.webm', contentType: 'video/webm' },
  mov: { file: 'tiny.mov', contentType: 'video/quicktime' },
} as const;

export type VideoKind = keyof typeof VIDEO_FIXTURES;

export function videoFixture(kind: VideoKind): Buffer {
  return readFileSync(new URL(`../fixtures/video/${VIDEO_FIXTURES[kind].file}`, import.meta.url));
}

/**
 * The fixture made unique (so dedup and clamd's cache never answer for it) and
 * still valid: a trailing ISO BMFF `free` box for mp4 and mov, a trailing EBML
 * Void element for webm, each holding 16 random bytes.
 */
export function uniqueVideo(kind: VideoKind): Buffer {
  const nonce = randomBytes(16);
  const tail =
    kind === 'webm'
      ? Buffer.concat([Buffer.from([0xec, 0x80 | nonce.length]), nonce])
      : Buffer.concat([sizeBox(8 + nonce.length), Buffer.from('free', 'latin1'), nonce]);
  return Buffer.concat([videoFixture(kind), tail]);
}

function sizeBox(size: number): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(size);
  return header;
}
