import { createHash, createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { AllowedType } from './type-policy.ts';

/**
 * `hmac`: HMAC-SHA256 of `customerId-siteId` under a server secret, so business
 * IDs cannot be recovered (or guessed) from object paths.
 * `md5-compat`: the seed article's plain `md5("customerId-siteId")`, for buckets
 * laid out by it.
 */
export type FolderMode = { mode: 'hmac'; secret: string; length: number } | { mode: 'md5-compat' };

export function tenantFolder(customerId: string, siteId: string, folder: FolderMode): string {
  const input = `${customerId}-${siteId}`;
  if (folder.mode === 'md5-compat') {
    return createHash('md5').update(input).digest('hex');
  }
  return createHmac('sha256', folderKey(folder))
    .update(input)
    .digest('hex')
    .slice(0, folder.length);
}

/** The secret imported once per setting: from a string Node imports it on every HMAC (4× the cost). */
const folderKeys = new WeakMap<FolderMode, KeyObject>();

function folderKey(folder: FolderMode & { mode: 'hmac' }): KeyObject {
  let key = folderKeys.get(folder);
  if (!key) {
    key = createSecretKey(Buffer.from(folder.secret, 'utf8'));
    folderKeys.set(folder, key);
  }
  return key;
}

/** `{folder}/{category}/{sha256}.{ext}`: content-addressed inside a tenant's folder. */
export function objectKey(folder: string, type: AllowedType, sha256Hex: string): string {
  return `${folder}/${type.category}/${sha256Hex}.${type.extension}`;
}

/**
 * `{folder}/{category}/{sha256}/{tokenId}.{ext}`: an upload token's upload
 * never shares its object with the customer's other uploads of the same bytes
 * (nor another token's), so sending them proves the browser holds them, and
 * neither upload's fate (rejection, quarantine, sweep) touches the other's
 * object. Folder first, as the media worker's rendition keys expect.
 */
export function tokenObjectKey(
  folder: string,
  type: AllowedType,
  sha256Hex: string,
  tokenId: string,
): string {
  return `${folder}/${type.category}/${sha256Hex}/${tokenId}.${type.extension}`;
}
