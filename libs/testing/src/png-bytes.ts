import { crc32, deflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const COLOUR_TYPE = { grey: 0, rgb: 2 } as const;

function pngChunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  typeAndData.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(typeAndData), 8 + data.length);
  return chunk;
}

/**
 * A PNG crafted byte by byte: an IHDR saying `width × height` 8-bit pixels,
 * whatever `scanlines` (filter byte + pixels per row) really holds, in one IDAT.
 */
export function pngOf(
  header: { width: number; height: number; colour: keyof typeof COLOUR_TYPE },
  scanlines: Buffer,
): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(header.width, 0);
  ihdr.writeUInt32BE(header.height, 4);
  // 8 bits a sample, deflate, no filter method, no interlace.
  ihdr.set([8, COLOUR_TYPE[header.colour], 0, 0, 0], 8);
  return Buffer.concat([
    SIGNATURE,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(scanlines)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A 1×1 grey PNG: the smallest real one. */
export const tinyGreyPng = (): Buffer =>
  pngOf({ width: 1, height: 1, colour: 'grey' }, Buffer.from([0, 0x80]));

/**
 * A decompression bomb's calling card: a valid PNG whose IHDR claims
 * `width × height` RGB pixels over one tiny IDAT (two scanlines of zeros).
 * 20000 × 20000 would be 1.2 GB decoded, in under 100 bytes.
 */
export const pngClaiming = (width: number, height: number): Buffer =>
  pngOf({ width, height, colour: 'rgb' }, Buffer.alloc(2 * (1 + width * 3)));
