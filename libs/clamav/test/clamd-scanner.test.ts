import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { crc32, createDeflateRaw } from 'node:zlib';
import { TcpProxy } from '@airlock/testing';
import { clamavFixture, zipArchive } from '@airlock/testing/files';
import { ClamdScanner, ClamdUnavailableError, STREAM_LIMIT_SIGNATURE } from '../src/index.ts';

// Against the stack's clamd, which loads only infra/clamav/signatures.
const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the jest global setup should have set it`);
  return value;
};
const clamd = { host: env('CLAMD_HOST'), port: Number(env('CLAMD_PORT')) };
const limits = {
  maxFileSize: Number(env('CLAMD_MAX_FILE_SIZE_BYTES')),
  maxScanSize: Number(env('CLAMD_MAX_SCAN_SIZE_BYTES')),
  streamMaxLength: Number(env('CLAMD_STREAM_MAX_LENGTH_BYTES')),
};
const scanner = new ClamdScanner({}, { ...clamd, timeoutMs: 30_000 });

const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
const MARKER = 'AIRLOCK-TEST-MALWARE-MARKER-7f3c';
const MiB = 1024 * 1024;

const streamOf = (bytes: Buffer | string) => Readable.from([Buffer.from(bytes)]);

/** `size` zero bytes, then `tail`, made on demand in 64 KiB pieces. */
async function* zeros(
  size: number,
  tail: Uint8Array = new Uint8Array(0),
): AsyncGenerator<Uint8Array> {
  const piece = new Uint8Array(64 * 1024);
  for (let left = size; left > 0; left -= piece.length) {
    yield left >= piece.length ? piece : piece.subarray(0, left);
  }
  if (tail.length) yield tail;
}

/** A one-member, deflated zip of `size` zero bytes followed by `tail`, made without holding them. */
async function zipOfZeros(name: string, size: number, tail: Uint8Array): Promise<Buffer> {
  let crc = 0;
  const deflate = createDeflateRaw({ level: 1 });
  const compressed = (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of deflate) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  })();
  for await (const piece of zeros(size, tail)) {
    crc = crc32(piece, crc);
    if (!deflate.write(piece)) await once(deflate, 'drain');
  }
  deflate.end();
  const data = await compressed;
  return zipArchive({ name, data, crc32: crc, size: size + tail.length, method: 'deflate' });
}

/** A PNG signature and IHDR with a zip appended: a PNG to a magic-byte check. */
const pngWithZip = (zip: Buffer) =>
  Buffer.concat([
    Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex'),
    zip,
  ]);

const pdfWith = (line: string) =>
  Buffer.from(
    `%PDF-1.7\n% ${line}\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n`,
  );

describe('ClamdScanner against the stack clamd', () => {
  it('answers ping() and version(): engine always, signatures only with official databases', async () => {
    await expect(scanner.ping()).resolves.toBeUndefined();
    const version = await scanner.version();
    expect(version.engine).toMatch(/^ClamAV \d+\.\d+\.\d+/);
    // Only the repo's test databases: clamd's VERSION has no database part.
    expect(version).toEqual({ engine: version.engine, signatures: '' });
  });

  it('asks VERSION once per versionMaxAgeMs, and afresh when told to', async () => {
    const proxy = await new TcpProxy(clamd).start();
    try {
      const cached = new ClamdScanner(
        {},
        { host: '127.0.0.1', port: proxy.port, timeoutMs: 2000, versionMaxAgeMs: 60_000 },
      );
      const first = await cached.version();
      proxy.pause(); // clamd unreachable from here on: only the kept answer can come back
      await expect(cached.version()).resolves.toEqual(first);
      await expect(cached.version({ fresh: true })).rejects.toBeInstanceOf(ClamdUnavailableError);
      // A failed ask is not kept: once clamd is back, the next caller asks again.
      proxy.resume();
      await expect(cached.version()).resolves.toEqual(first);
    } finally {
      await proxy.stop();
    }
  });

  it('finds EICAR, as a Buffer stream and with a trailing newline', async () => {
    for (const bytes of [EICAR, `${EICAR}\n`]) {
      const verdict = await scanner.scan(streamOf(bytes));
      expect(verdict).toEqual({
        result: 'infected',
        signature: 'Airlock.Test.EICAR.UNOFFICIAL',
        engine: expect.stringMatching(/^ClamAV /),
        signatures: '',
      });
    }
  });

  it('finds EICAR split across chunks of an AsyncIterable<Uint8Array>', async () => {
    async function* split() {
      const bytes = new TextEncoder().encode(EICAR);
      for (let at = 0; at < bytes.length; at += 7) yield bytes.subarray(at, at + 7);
    }
    await expect(scanner.scan(split())).resolves.toMatchObject({
      result: 'infected',
      signature: 'Airlock.Test.EICAR.UNOFFICIAL',
    });
  });

  it('finds the marker inside a PDF that is still a PDF', async () => {
    const pdf = pdfWith(`report ${MARKER} end`);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await expect(scanner.scan(streamOf(pdf))).resolves.toMatchObject({
      result: 'infected',
      signature: 'Airlock.Test.Marker.UNOFFICIAL',
    });
  });

  it('finds the hash signature for its exact file only', async () => {
    const exact = 'AIRLOCK-TEST-HASH-SIGNATURE-7f3c\n';
    await expect(scanner.scan(streamOf(exact))).resolves.toMatchObject({
      result: 'infected',
      signature: 'Airlock.Test.Hash.UNOFFICIAL',
    });
    await expect(scanner.scan(streamOf(`${exact}\n`))).resolves.toMatchObject({ result: 'clean' });
  });

  it('calls plain text clean, with the engine and signature versions of the scan', async () => {
    const version = await scanner.version();
    const verdict = await scanner.scan(streamOf('hello, this is a perfectly harmless text file\n'));
    expect(verdict).toEqual({ result: 'clean', ...version });
    expect(verdict.engine).toMatch(/^ClamAV \d/);
  });

  describe('content clamd cannot read (AlertEncrypted)', () => {
    // Made with qpdf and zip: see libs/testing/fixtures/clamav/README.md.

    it('finds the marker in the plain PDF the encrypted one was made from', async () => {
      await expect(
        scanner.scan(streamOf(clamavFixture('marker-plain.pdf'))),
      ).resolves.toMatchObject({
        result: 'infected',
        signature: 'Airlock.Test.Marker.UNOFFICIAL',
      });
    });

    it('calls a password-protected (RC4) PDF encrypted, never clean', async () => {
      const pdf = clamavFixture('marker-rc4-encrypted.pdf');
      expect(pdf.includes(MARKER)).toBe(false);
      await expect(scanner.scan(streamOf(pdf))).resolves.toEqual({
        result: 'encrypted',
        signature: 'Heuristics.Encrypted.PDF',
        ...(await scanner.version()),
      });
    });

    it('calls a password-protected zip encrypted, never clean', async () => {
      const zip = clamavFixture('marker-encrypted.zip');
      expect(zip.includes(MARKER)).toBe(false);
      await expect(scanner.scan(streamOf(zip))).resolves.toEqual({
        result: 'encrypted',
        signature: 'Heuristics.Encrypted.Zip',
        ...(await scanner.version()),
      });
    });
  });

  it('keeps concurrent scans apart', async () => {
    const inputs = Array.from({ length: 12 }, (_, i) =>
      i % 3 === 0 ? pdfWith(MARKER) : i % 3 === 1 ? `${EICAR}\n` : `clean ${i}\n`,
    );
    const verdicts = await Promise.all(inputs.map((bytes) => scanner.scan(streamOf(bytes))));
    expect(verdicts.map((v) => (v.result === 'clean' ? 'clean' : v.signature))).toEqual(
      inputs.map((_, i) =>
        i % 3 === 0
          ? 'Airlock.Test.Marker.UNOFFICIAL'
          : i % 3 === 1
            ? 'Airlock.Test.EICAR.UNOFFICIAL'
            : 'clean',
      ),
    );
  });

  it('scans a stream of exactly StreamMaxLength whole (clean zeros, EICAR at the very end found)', async () => {
    const size = limits.streamMaxLength;
    await expect(scanner.scan(zeros(size))).resolves.toMatchObject({ result: 'clean' });
    const tail = Buffer.from(EICAR);
    await expect(scanner.scan(zeros(size - tail.length, tail))).resolves.toMatchObject({
      result: 'infected',
      signature: 'Airlock.Test.EICAR.UNOFFICIAL',
    });
  });

  it('never calls a stream longer than StreamMaxLength clean', async () => {
    const outcomes: string[] = [];
    for (let run = 0; run < 3; run++) {
      const started = Date.now();
      const outcome = await scanner.scan(zeros(limits.streamMaxLength + MiB)).then(
        (verdict) => {
          expect(verdict).toMatchObject({
            result: 'limits_exceeded',
            signature: STREAM_LIMIT_SIGNATURE,
          });
          return verdict.result;
        },
        (error: unknown) => {
          expect(error).toBeInstanceOf(ClamdUnavailableError);
          return `error: ${(error as Error).message}`;
        },
      );
      outcomes.push(`${outcome} (${Date.now() - started} ms)`);
    }
    // What clamd did, for the record: its ERROR reply, or a reset connection.
    console.info(`over StreamMaxLength: ${outcomes.join('; ')}`);
  });

  // MaxFileSize (256 MiB) is above StreamMaxLength (64 MiB): no stream clamd
  // accepts can be over MaxFileSize itself. Members of an archive can: clamd
  // trims such a member to MaxFileSize and calls it OK even with
  // AlertExceedsMax, unless the scan then passes MaxScanSize. The stack keeps
  // MaxFileSize equal to MaxScanSize so that it always does.
  it('does not pass an archive member bigger than MaxFileSize, even with the EICAR past the cut', async () => {
    expect(limits.maxFileSize).toBeGreaterThanOrEqual(limits.streamMaxLength);
    expect(limits.maxFileSize).toBe(limits.maxScanSize);
    const eicar = Buffer.from(EICAR);
    const small = pngWithZip(await zipOfZeros('small.bin', MiB, eicar));
    await expect(scanner.scan(streamOf(small))).resolves.toMatchObject({
      result: 'infected',
      signature: 'Airlock.Test.EICAR.UNOFFICIAL',
    });

    const big = pngWithZip(await zipOfZeros('big.bin', limits.maxFileSize + MiB, eicar));
    expect(big.length).toBeLessThan(limits.streamMaxLength);
    await expect(scanner.scan(streamOf(big))).resolves.toMatchObject({
      result: 'limits_exceeded',
      signature: 'Heuristics.Limits.Exceeded.MaxScanSize',
    });
  });

  it('fails with ClamdUnavailableError when nothing listens, at once', async () => {
    const closed = new ClamdScanner({}, { host: '127.0.0.1', port: 9, timeoutMs: 5000 });
    const started = Date.now();
    await expect(closed.scan(streamOf('hello'))).rejects.toBeInstanceOf(ClamdUnavailableError);
    await expect(closed.ping()).rejects.toBeInstanceOf(ClamdUnavailableError);
    await expect(closed.version()).rejects.toBeInstanceOf(ClamdUnavailableError);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  describe('a server that accepts and never answers (but VERSION)', () => {
    let server: Server;
    const sockets = new Set<Socket>();
    beforeAll(async () => {
      // Half-open, so a z-command's FIN does not close it: it answers only
      // VERSION (asked before a scan), so the scan itself meets the silence.
      server = createServer({ allowHalfOpen: true }, (socket) => {
        sockets.add(socket);
        socket.on('error', () => {});
        socket.once('data', (chunk: Buffer) => {
          if (chunk.toString().startsWith('zVERSION')) socket.end('ClamAV 1.4.6\0');
          else socket.resume();
        });
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    });
    const silent = () =>
      new ClamdScanner(
        {},
        { host: '127.0.0.1', port: (server.address() as { port: number }).port, timeoutMs: 500 },
      );

    it('times the whole scan out with ClamdUnavailableError', async () => {
      const started = Date.now();
      await expect(silent().scan(streamOf('hello'))).rejects.toThrow(
        /gave no answer within 500 ms/,
      );
      expect(Date.now() - started).toBeLessThan(1500);
      await expect(silent().ping()).rejects.toBeInstanceOf(ClamdUnavailableError);
    });
  });

  it('gives the abort reason when the caller aborts', async () => {
    const controller = new AbortController();
    async function* slow() {
      yield Buffer.from('first ');
      await sleep(5000, undefined, { signal: controller.signal });
      yield Buffer.from('never');
    }
    const scanning = scanner.scan(slow(), controller.signal);
    setTimeout(() => controller.abort(), 100);
    await expect(scanning).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('gives no verdict for an empty stream (clamscan sends no command for it)', async () => {
    await expect(scanner.scan(Readable.from([]))).rejects.toThrow(
      new ClamdUnavailableError('an empty stream cannot be scanned through clamscan'),
    );
    // Empty chunks inside a stream are skipped, not sent as INSTREAM's end marker.
    await expect(
      scanner.scan(Readable.from([Buffer.alloc(0), Buffer.from(EICAR), Buffer.alloc(0)])),
    ).resolves.toMatchObject({ result: 'infected' });
  });

  it('fails with ClamdUnavailableError when the stream to scan fails', async () => {
    async function* broken() {
      yield Buffer.from('some bytes ');
      throw new Error('S3 connection reset');
    }
    const error = await scanner.scan(broken()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClamdUnavailableError);
    expect((error as Error).message).toBe('the stream to scan failed');
    expect((error as Error).cause).toMatchObject({ message: 'S3 connection reset' });
  });
});
