import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { judgeObject, type MeasuredObject } from '@airlock/core';
import { storedZip, tinyGreyPng, videoFixture } from '@airlock/testing/files';
import { inspectStream, type Inspection } from './index.ts';

const MiB = 1024 * 1024;
const execFileAsync = promisify(execFile);
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += size) {
    yield bytes.subarray(offset, offset + size);
  }
}

async function* chunksSized(
  bytes: Uint8Array,
  sizes: readonly number[],
): AsyncGenerator<Uint8Array> {
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield bytes.subarray(offset, offset + size);
    offset += size;
  }
}

/** `total` bytes, made lazily in one reused buffer whose content changes per chunk. */
async function* generated(total: number, chunkSize: number, fill = 0): AsyncGenerator<Uint8Array> {
  const buffer = new Uint8Array(chunkSize);
  for (let sent = 0, n = 0; sent < total; sent += chunkSize, n++) {
    buffer.fill(fill === 0 ? (n * 7 + 1) & 0xff : fill);
    buffer[0] = 0x30 + (n % 10);
    yield buffer.subarray(0, Math.min(chunkSize, total - sent));
  }
}

const neverSettles = new Promise<never>(() => {});

// --- minimal but structurally valid fixtures -------------------------------

/** A 1×1 grey PNG. */
const png = (): Uint8Array => tinyGreyPng();

/** SOI, a JFIF APP0 segment, EOI. */
function jpeg(): Uint8Array {
  return Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
    Buffer.from('JFIF\0', 'latin1'),
    Buffer.from([1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9]),
  ]);
}

function pdf(): Uint8Array {
  return utf8(
    '%PDF-1.7\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n' +
      '2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n' +
      'trailer <</Root 1 0 R>>\n%%EOF\n',
  );
}

/** One stored entry, hello.txt, with its central directory. */
const zip = (): Uint8Array => storedZip('hello.txt', 'hello\n');

/** A 64-bit little-endian x86-64 ELF executable header (no program headers). */
function elf(): Uint8Array {
  const header = Buffer.alloc(64);
  header.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0); // magic, ELFCLASS64, LSB, v1, SysV
  header.writeUInt16LE(2, 16); // e_type: ET_EXEC
  header.writeUInt16LE(0x3e, 18); // e_machine: x86-64
  header.writeUInt32LE(1, 20); // e_version
  header.writeBigUInt64LE(0x401000n, 24); // e_entry
  header.writeUInt16LE(64, 52); // e_ehsize
  header.writeUInt16LE(56, 54); // e_phentsize
  header.writeUInt16LE(64, 58); // e_shentsize
  return header;
}

/** A DOS stub whose e_lfanew points at a PE signature and an x86-64 COFF header. */
function pe(): Uint8Array {
  const image = Buffer.alloc(0x80 + 24);
  image.write('MZ', 0, 'latin1');
  image.writeUInt32LE(0x80, 0x3c); // e_lfanew
  image.write('PE\0\0', 0x80, 'latin1');
  image.writeUInt16LE(0x8664, 0x84); // Machine: AMD64
  image.writeUInt16LE(0x22, 0x80 + 22); // Characteristics: executable, large address aware
  return image;
}

// ---------------------------------------------------------------------------

describe('inspectStream: memory', () => {
  // In a fresh Node (which runs the .ts source directly): inside jest, ts-jest's compile garbage
  // swings RSS by 20-70 MiB on a cold cache and would drown the measurement.
  it('inspects 256 MiB with under 64 MiB of RSS growth', async () => {
    const script = `
      import { inspectStream } from ${JSON.stringify(new URL('./inspect-stream.ts', import.meta.url).href)};
      const MiB = 1024 * 1024;
      async function* text() {
        const buffer = new Uint8Array(MiB).fill(0x61); // one reused buffer, valid UTF-8
        for (let i = 0; i < 256; i++) yield buffer;
      }
      const before = process.memoryUsage().rss;
      let peak = before;
      const sample = () => { peak = Math.max(peak, process.memoryUsage().rss); };
      const { size, isText } = await inspectStream(text(), { onProgress: sample });
      sample();
      console.log(JSON.stringify({ size, isText, growth: peak - before }));
    `;
    const { stdout } = await execFileAsync(
      process.execPath,
      ['--input-type=module', '-e', script],
      {
        env: { ...process.env, NODE_OPTIONS: '' },
      },
    );
    const result = JSON.parse(stdout) as { size: number; isText: boolean; growth: number };
    expect(result).toMatchObject({ size: 256 * MiB, isText: true });
    expect(result.growth).toBeLessThan(64 * MiB);
  }, 60_000);
});

describe('inspectStream: size and SHA-256', () => {
  const bytes = new Uint8Array(200_003).map((_, i) => (i * 31 + (i >> 8)) & 0xff);

  it.each([1, 3, 7, 4096, 65_537, 200_003, 1 * MiB])(
    'matches crypto over the same bytes in %i-byte chunks',
    async (size) => {
      const inspection = await inspectStream(chunksOf(bytes, size));
      expect(inspection.size).toBe(bytes.length);
      expect(inspection.sha256Hex).toBe(sha256(bytes));
    },
  );

  it('matches crypto with irregular chunk sizes, including empty chunks', async () => {
    const inspection = await inspectStream(chunksSized(bytes, [1, 0, 2, 5, 1000, 0, 13, 8191]));
    expect(inspection).toMatchObject({ size: bytes.length, sha256Hex: sha256(bytes) });
  });

  it('matches crypto over a multi-MiB generated stream that reuses its buffer', async () => {
    const total = 5 * MiB + 3;
    const expected = createHash('sha256');
    for await (const chunk of generated(total, 64 * 1024 + 1)) expected.update(chunk);

    const inspection = await inspectStream(generated(total, 64 * 1024 + 1));
    expect(inspection).toMatchObject({ size: total, sha256Hex: expected.digest('hex') });
  });

  it('reads a Node Readable of Buffers', async () => {
    const inspection = await inspectStream(
      Readable.from([Buffer.from('hello, '), Buffer.from('world')]),
    );
    expect(inspection).toMatchObject({
      size: 12,
      sha256Hex: sha256(utf8('hello, world')),
      isText: true,
    });
  });

  it('reads a web ReadableStream', async () => {
    const web = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(utf8('web '));
        controller.enqueue(utf8('stream'));
        controller.close();
      },
    });
    const inspection = await inspectStream(web);
    expect(inspection).toMatchObject({ size: 10, sha256Hex: sha256(utf8('web stream')) });
  });

  it('measures an empty stream as 0 bytes of text with the empty SHA-256', async () => {
    expect(await inspectStream(chunksOf(new Uint8Array(0), 1))).toEqual({
      size: 0,
      sha256Hex: EMPTY_SHA256,
      detectedMime: undefined,
      detectedExt: undefined,
      isText: true,
    });
    expect(await inspectStream(chunksSized(new Uint8Array(0), [0]))).toMatchObject({
      size: 0,
      sha256Hex: EMPTY_SHA256,
      isText: true,
    });
    expect(await inspectStream(Readable.from([new Uint8Array(0)]))).toMatchObject({ size: 0 });
  });
});

describe('inspectStream: magic bytes', () => {
  it.each([
    ['PNG', png(), 'image/png', 'png'],
    ['JPEG', jpeg(), 'image/jpeg', 'jpg'],
    ['PDF', pdf(), 'application/pdf', 'pdf'],
    ['ZIP', zip(), 'application/zip', 'zip'],
    ['ELF', elf(), 'application/x-elf', 'elf'],
    ['Windows PE', pe(), 'application/x-msdownload', 'exe'],
  ])('detects %s whole and in 1- and 3-byte chunks', async (_name, bytes, mime, ext) => {
    for (const size of [bytes.length, 1, 3]) {
      const inspection = await inspectStream(chunksOf(bytes, size));
      expect(inspection).toMatchObject({
        detectedMime: mime,
        detectedExt: ext,
        size: bytes.length,
      });
      expect(inspection.sha256Hex).toBe(sha256(bytes));
    }
  });

  it('calls binaries binary and the PDF fixture text (it is plain ASCII)', async () => {
    expect((await inspectStream(chunksOf(png(), 5))).isText).toBe(false);
    expect((await inspectStream(chunksOf(elf(), 5))).isText).toBe(false);
    expect((await inspectStream(chunksOf(pe(), 5))).isText).toBe(false);
    expect((await inspectStream(chunksOf(pdf(), 5))).isText).toBe(true);
  });

  it('sniffs only the first sniffBytes bytes', async () => {
    expect(await inspectStream(chunksOf(png(), 4), { sniffBytes: 0 })).toMatchObject({
      detectedMime: undefined,
      detectedExt: undefined,
      size: png().length,
    });
    // A signature past the sniff window is not seen.
    const late = Buffer.concat([Buffer.alloc(16, 0x20), jpeg()]);
    expect(
      (await inspectStream(chunksOf(late, 7), { sniffBytes: 16 })).detectedMime,
    ).toBeUndefined();
  });

  it('returns what file-type says, even for text with a weak two-byte signature', async () => {
    // file-type matches BMP on "BM" and PE on "MZ" alone: a CSV headed "BMI" is an image to it.
    const csv = await inspectStream(chunksOf(utf8('BMI,height\n22.5,180\n'), 4));
    expect(csv).toMatchObject({ detectedMime: 'image/bmp', detectedExt: 'bmp', isText: true });
    const xml = await inspectStream(chunksOf(utf8('<?xml version="1.0"?>\n<a/>\n'), 4));
    expect(xml).toMatchObject({ detectedMime: 'application/xml', isText: true });
  });

  it('rejects a sniffBytes that is not a non-negative integer', async () => {
    await expect(inspectStream(chunksOf(png(), 4), { sniffBytes: -1 })).rejects.toThrow(RangeError);
    await expect(inspectStream(chunksOf(png(), 4), { sniffBytes: 1.5 })).rejects.toThrow(
      RangeError,
    );
  });
});

describe('inspectStream: videos', () => {
  // The bytes after each fixture, as libs/testing's uniqueVideo() appends them.
  const freeBox = Buffer.from([0, 0, 0, 12, 0x66, 0x72, 0x65, 0x65, 1, 2, 3, 4]);
  const voidElement = Buffer.from([0xec, 0x84, 1, 2, 3, 4]);

  it.each([
    ['mp4', freeBox, 'video/mp4', 'mp4'],
    ['webm', voidElement, 'video/webm', 'webm'],
    ['mov', freeBox, 'video/quicktime', 'mov'],
  ] as const)(
    'detects the tiny %s, with and without a trailing nonce',
    async (kind, tail, mime, ext) => {
      for (const bytes of [videoFixture(kind), Buffer.concat([videoFixture(kind), tail])]) {
        const inspection = await inspectStream(chunksOf(bytes, 7));
        expect(inspection).toMatchObject({ detectedMime: mime, detectedExt: ext, isText: false });
        expect(
          judgeObject({ size: bytes.length, sha256: sha256(bytes), contentType: mime }, inspection),
        ).toEqual({ verdict: 'verified', detectedContentType: mime });
      }
    },
  );

  it.each([
    ['mp4', 'video/webm', 'declared video/webm, stored video/mp4'],
    ['webm', 'video/mp4', 'declared video/mp4, stored video/webm'],
    ['mov', 'video/mp4', 'declared video/mp4, stored video/quicktime'],
    ['mp4', 'image/png', 'declared image/png, stored video/mp4'],
  ] as const)(
    'calls the tiny %s declared as %s a type mismatch',
    async (kind, declared, detail) => {
      const bytes = videoFixture(kind);
      const inspection = await inspectStream(chunksOf(bytes, 64));
      expect(
        judgeObject(
          { size: bytes.length, sha256: sha256(bytes), contentType: declared },
          inspection,
        ),
      ).toEqual({ verdict: 'rejected', reason: 'type_mismatch', detail });
    },
  );

  it('calls a PDF declared as a video a type mismatch', async () => {
    const bytes = pdf();
    const inspection = await inspectStream(chunksOf(bytes, 64));
    expect(
      judgeObject(
        { size: bytes.length, sha256: sha256(bytes), contentType: 'video/quicktime' },
        inspection,
      ),
    ).toEqual({
      verdict: 'rejected',
      reason: 'type_mismatch',
      detail: 'declared video/quicktime, stored application/pdf',
    });
  });
});

describe('inspectStream: text', () => {
  const text = 'héllo wörld — 日本語 🎉 naïve café\n';
  const bytes = utf8(text);

  it('calls UTF-8 with multi-byte characters split across 1-byte chunks text, no type', async () => {
    const inspection = await inspectStream(chunksOf(bytes, 1));
    expect(inspection).toMatchObject({
      isText: true,
      detectedMime: undefined,
      detectedExt: undefined,
    });
  });

  it('calls it text at every two-chunk split point', async () => {
    for (let split = 0; split <= bytes.length; split++) {
      const inspection = await inspectStream(chunksSized(bytes, [split, bytes.length - split]));
      expect([split, inspection.isText]).toEqual([split, true]);
    }
  });

  it.each([
    ['a stray continuation byte', [0x68, 0x80, 0x69]],
    ['an invalid byte', [0x68, 0xff, 0x69]],
    ['an overlong encoding', [0xc0, 0x80]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a sequence truncated at the end', [0x68, 0x69, 0xc3]],
    ['a 4-byte sequence truncated at the end', [0xf0, 0x9f, 0x8e]],
  ])('calls %s not text', async (_name, invalid) => {
    const inspection = await inspectStream(chunksOf(Uint8Array.from(invalid), 1));
    expect(inspection.isText).toBe(false);
  });

  it('stays not-text once invalid, however much valid text follows', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff]), Buffer.alloc(100_000, 'abc')]);
    expect((await inspectStream(chunksOf(bytes, 4096))).isText).toBe(false);
  });

  it('calls valid UTF-8 with a NUL byte not text', async () => {
    expect((await inspectStream(chunksOf(utf8('abc\0def'), 3))).isText).toBe(false);
    expect((await inspectStream(chunksOf(utf8('\0'), 1))).isText).toBe(false);
  });

  it('accepts a UTF-8 byte-order mark', async () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a,b\n')]);
    expect((await inspectStream(chunksOf(bom, 2))).isText).toBe(true);
  });

  it('rejects a source that yields strings', async () => {
    const source = Readable.from([Buffer.from('abc')]).setEncoding('utf8');
    await expect(inspectStream(source)).rejects.toThrow(TypeError);
    expect(source.destroyed).toBe(true);
  });
});

describe('inspectStream: progress', () => {
  it('reports the running byte count at most every 8 MiB', async () => {
    const seen: number[] = [];
    await inspectStream(generated(30 * MiB, 3 * MiB), { onProgress: (bytes) => seen.push(bytes) });
    expect(seen).toEqual([9 * MiB, 18 * MiB, 24 * MiB]);
  });

  it('reports increasing counts with small chunks', async () => {
    const seen: number[] = [];
    await inspectStream(generated(33 * MiB + 5, 65_537), {
      onProgress: (bytes) => seen.push(bytes),
    });
    expect(seen).toHaveLength(4);
    seen.forEach((bytes, i) => {
      expect(bytes).toBeGreaterThanOrEqual((i + 1) * 8 * MiB);
      expect(bytes).toBeLessThan((i + 1) * 8 * MiB + 65_537);
    });
  });

  it('does not report for a stream under 8 MiB', async () => {
    const seen: number[] = [];
    await inspectStream(generated(8 * MiB - 1, MiB), { onProgress: (bytes) => seen.push(bytes) });
    expect(seen).toEqual([]);
  });

  it('rejects and stops reading when onProgress throws', async () => {
    const source = Readable.from(generated(20 * MiB, MiB));
    const failure = new Error('visibility extension failed');
    await expect(
      inspectStream(source, {
        onProgress: () => {
          throw failure;
        },
      }),
    ).rejects.toBe(failure);
    expect(source.destroyed).toBe(true);
  });
});

describe('inspectStream: abort and errors', () => {
  it('rejects with the reason without reading when the signal is already aborted', async () => {
    const reason = new Error('shutting down');
    let pulled = 0;
    const source = new Readable({
      read() {
        pulled++;
        this.push(null);
      },
    });
    await expect(inspectStream(source, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(source.destroyed).toBe(true);
    expect(pulled).toBe(0);
  });

  it('rejects with the reason while a read is pending and destroys the source', async () => {
    const controller = new AbortController();
    const reason = new Error('visibility timeout reached');
    let sent = false;
    const source = new Readable({
      read() {
        if (this.readableLength === 0 && !sent) {
          sent = true;
          this.push(Buffer.from('first chunk, then silence'));
          setImmediate(() => controller.abort(reason));
        }
      },
    });
    await expect(inspectStream(source, { signal: controller.signal })).rejects.toBe(reason);
    expect(source.destroyed).toBe(true);
  });

  it('rejects an async iterable that never yields again and releases it', async () => {
    const controller = new AbortController();
    let released = false;
    async function* stalls(): AsyncGenerator<Uint8Array> {
      yield utf8('one');
      await neverSettles;
    }
    const iterable = stalls();
    const inspection = inspectStream(
      {
        [Symbol.asyncIterator]: () => ({
          next: () => iterable.next(),
          return: async () => {
            released = true;
            return { done: true, value: undefined };
          },
        }),
      },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 10);
    await expect(inspection).rejects.toMatchObject({ name: 'AbortError' });
    expect(released).toBe(true);
  });

  it('stops reading when aborted from onProgress', async () => {
    const controller = new AbortController();
    let yielded = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const chunk of generated(64 * MiB, MiB)) {
        yielded++;
        yield chunk;
      }
    }
    const reason = new Error('stop');
    await expect(
      inspectStream(counted(), {
        signal: controller.signal,
        onProgress: () => controller.abort(reason),
      }),
    ).rejects.toBe(reason);
    expect(yielded).toBe(8);
  });

  it('propagates an error thrown by an async iterable', async () => {
    const failure = new Error('ECONNRESET');
    async function* breaks(): AsyncGenerator<Uint8Array> {
      yield utf8('partial');
      throw failure;
    }
    await expect(inspectStream(breaks())).rejects.toBe(failure);
  });

  it('propagates a Readable error, with or without a signal', async () => {
    const failing = (): Readable =>
      new Readable({
        read() {
          this.push(Buffer.from('partial'));
          this.destroy(new Error('socket hang up'));
        },
      });
    await expect(inspectStream(failing())).rejects.toThrow('socket hang up');
    const { signal } = new AbortController();
    await expect(inspectStream(failing(), { signal })).rejects.toThrow('socket hang up');
  });

  it('resolves normally when a signal is given but never aborts', async () => {
    const { signal } = new AbortController();
    const inspection = await inspectStream(chunksOf(png(), 10), { signal });
    expect(inspection).toMatchObject({ detectedMime: 'image/png', sha256Hex: sha256(png()) });
  });
});

describe('Inspection', () => {
  it('is what core judges: a measured PNG is verified against its declaration', async () => {
    const bytes = png();
    const measured: MeasuredObject = await inspectStream(chunksOf(bytes, 16));
    const judgement = judgeObject(
      { size: bytes.length, sha256: sha256(bytes), contentType: 'image/png' },
      measured,
    );
    expect(judgement).toEqual({ verdict: 'verified', detectedContentType: 'image/png' });
  });

  it('has exactly the documented fields', async () => {
    const inspection: Inspection = await inspectStream(chunksOf(jpeg(), 2));
    expect(Object.keys(inspection).sort()).toEqual(
      ['detectedExt', 'detectedMime', 'isText', 'sha256Hex', 'size'].sort(),
    );
  });
});
