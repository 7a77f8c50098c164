/**
 * What S3 checks when a multipart upload is completed, and the ETag and
 * composite checksum it gives the object. Pure, for the S3 emulator.
 */
import { createHash } from 'node:crypto';

export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const MAX_PART_NUMBER = 10_000;

export type CompletePart = {
  readonly partNumber: number;
  readonly etag: string;
  readonly checksumSha256?: string;
};

export type StoredPart = {
  readonly partNumber: number;
  readonly size: number;
  /** Hex MD5 of the part, unquoted. */
  readonly etag: string;
  /** Base64 SHA-256 of the part, when the upload was made with one. */
  readonly checksumSha256?: string;
  readonly lastModified: string;
};

export type RuleFailure = {
  readonly code: string;
  readonly message: string;
  readonly detail?: Record<string, string | number>;
};

const decodeXml = (text: string) =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(Number.parseInt(n, 16)))
    .replace(/&amp;/g, '&');

const element = (xml: string, name: string) =>
  new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml)?.[1];

const malformed: RuleFailure = {
  code: 'MalformedXML',
  message:
    'The XML you provided was not well-formed or did not validate against our published schema',
};

/** The parts of a CompleteMultipartUpload body, or MalformedXML. */
export function parseCompleteBody(xml: string): CompletePart[] | RuleFailure {
  const root = /<CompleteMultipartUpload(?:\s[^>]*)?>([\s\S]*)<\/CompleteMultipartUpload>/.exec(
    xml,
  )?.[1];
  if (root === undefined) return malformed;
  const parts: CompletePart[] = [];
  for (const [, body] of root.matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
    const number = element(body!, 'PartNumber')?.trim();
    const etag = element(body!, 'ETag');
    const checksum = element(body!, 'ChecksumSHA256');
    if (!number || !/^\d+$/.test(number) || etag === undefined) return malformed;
    parts.push({
      partNumber: Number(number),
      etag: decodeXml(etag).trim().replace(/"/g, ''),
      ...(checksum !== undefined ? { checksumSha256: decodeXml(checksum).trim() } : {}),
    });
  }
  return parts.length > 0 ? parts : malformed;
}

/**
 * The parts to assemble, in order, or the error S3 gives: parts in ascending
 * order, each held with that ETag (and checksum), each but the last ≥ 5 MiB,
 * and, for an upload created with SHA256, every part's checksum given.
 */
export function checkCompleteParts(
  requested: readonly CompletePart[],
  stored: ReadonlyMap<number, StoredPart>,
  upload: { readonly uploadId: string; readonly checksumAlgorithm?: string | undefined },
): StoredPart[] | RuleFailure {
  for (let i = 1; i < requested.length; i++) {
    if (requested[i]!.partNumber <= requested[i - 1]!.partNumber)
      return {
        code: 'InvalidPartOrder',
        message:
          'The list of parts was not in ascending order. Parts must be ordered by part number.',
        detail: { UploadId: upload.uploadId },
      };
  }
  const parts: StoredPart[] = [];
  for (const part of requested) {
    const held = stored.get(part.partNumber);
    const invalid: RuleFailure = {
      code: 'InvalidPart',
      message:
        "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not have matched the part's entity tag.",
      detail: { UploadId: upload.uploadId, PartNumber: part.partNumber, ETag: part.etag },
    };
    if (!held || held.etag !== part.etag) return invalid;
    if (upload.checksumAlgorithm === 'SHA256') {
      if (part.checksumSha256 === undefined)
        return {
          code: 'InvalidRequest',
          message: `The upload was created using a sha256 checksum. The complete request must include the checksum for each part. It was missing for part ${part.partNumber} in the request.`,
        };
      if (part.checksumSha256 !== held.checksumSha256) return invalid;
    }
    parts.push(held);
  }
  for (const part of parts.slice(0, -1)) {
    if (part.size < MIN_PART_SIZE)
      return {
        code: 'EntityTooSmall',
        message: 'Your proposed upload is smaller than the minimum allowed size',
        detail: {
          ProposedSize: part.size,
          MinSizeAllowed: MIN_PART_SIZE,
          PartNumber: part.partNumber,
          ETag: part.etag,
        },
      };
  }
  return parts;
}

/** S3's multipart ETag: MD5 of the parts' binary MD5s, then `-<count>`. */
export function multipartEtag(parts: readonly Pick<StoredPart, 'etag'>[]): string {
  const md5 = createHash('md5');
  for (const part of parts) md5.update(Buffer.from(part.etag, 'hex'));
  return `${md5.digest('hex')}-${parts.length}`;
}

/** S3's COMPOSITE SHA-256: SHA-256 of the parts' binary digests, then `-<count>`. */
export function compositeSha256(parts: readonly Pick<StoredPart, 'checksumSha256'>[]): string {
  const sha = createHash('sha256');
  for (const part of parts) sha.update(Buffer.from(part.checksumSha256 ?? '', 'base64'));
  return `${sha.digest('base64')}-${parts.length}`;
}

/** A part number as S3 takes it: an integer from 1 to 10,000. */
export function parsePartNumber(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,5}$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 && n <= MAX_PART_NUMBER ? n : undefined;
}
