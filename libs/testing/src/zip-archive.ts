import { crc32 } from 'node:zlib';

/** One member's bytes as they go into the archive, already compressed when `method` is deflate. */
export type ZipMember = {
  readonly name: string;
  readonly data: Buffer;
  readonly crc32: number;
  /** The uncompressed size. */
  readonly size: number;
  readonly method: 'stored' | 'deflate';
};

const METHOD = { stored: 0, deflate: 8 } as const;
const DOS_DATE_1980_01_01 = 0x21;

/** A one-member zip archive: local header, data, central directory and end record. */
export function zipArchive(member: ZipMember): Buffer {
  const name = Buffer.from(member.name, 'latin1');
  // The 26 bytes the local header and the central directory entry share, from
  // "version needed to extract" to "extra field length".
  const shared = Buffer.alloc(26);
  shared.writeUInt16LE(member.method === 'deflate' ? 20 : 10, 0); // version needed
  shared.writeUInt16LE(METHOD[member.method], 4);
  shared.writeUInt16LE(DOS_DATE_1980_01_01, 8);
  shared.writeUInt32LE(member.crc32, 10);
  shared.writeUInt32LE(member.data.length, 14);
  shared.writeUInt32LE(member.size, 18);
  shared.writeUInt16LE(name.length, 22);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  shared.copy(local, 4);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4); // version made by
  shared.copy(central, 6);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8); // entries on this disk
  end.writeUInt16LE(1, 10); // entries in all
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(local.length + name.length + member.data.length, 16);
  return Buffer.concat([local, name, member.data, central, name, end]);
}

/** A zip holding one uncompressed file. */
export function storedZip(name: string, content: string | Buffer): Buffer {
  const data = Buffer.from(content);
  return zipArchive({ name, data, crc32: crc32(data), size: data.length, method: 'stored' });
}
