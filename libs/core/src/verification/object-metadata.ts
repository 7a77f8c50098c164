/**
 * The headers a stored object carries that S3 would serve with it (or, for a
 * website redirect, act on). A presigned PUT signs only Content-Type,
 * Content-Length and x-amz-checksum-sha256: anything else here was added by
 * whoever held the URL.
 */
export type StoredObjectHeaders = {
  readonly contentType?: string | undefined;
  readonly cacheControl?: string | undefined;
  readonly contentDisposition?: string | undefined;
  readonly contentEncoding?: string | undefined;
  readonly contentLanguage?: string | undefined;
  /** The raw `Expires` header, as stored. */
  readonly expires?: string | undefined;
  readonly websiteRedirectLocation?: string | undefined;
  /** `x-amz-meta-*`, names without the prefix. */
  readonly userMetadata?: Readonly<Record<string, string>> | undefined;
};

/** The parameter names of the media type, e.g. `charset`, are ignored; the type itself is not. */
const mediaType = (value: string) => value.split(';')[0]!.trim().toLowerCase();

/**
 * Every header on the object that nobody signed: `[]` when the object carries
 * only what the upload URL fixed. The Content-Type must be the signed one (a
 * store that does not enforce signed headers may keep another).
 */
export function unsignedMetadata(signedContentType: string, stored: StoredObjectHeaders): string[] {
  const found: string[] = [];
  const present = (value: string | undefined) => value !== undefined && value !== '';
  if (
    present(stored.contentType) &&
    mediaType(stored.contentType!) !== mediaType(signedContentType)
  ) {
    found.push('content-type');
  }
  if (present(stored.cacheControl)) found.push('cache-control');
  if (present(stored.contentDisposition)) found.push('content-disposition');
  if (present(stored.contentEncoding)) found.push('content-encoding');
  if (present(stored.contentLanguage)) found.push('content-language');
  if (present(stored.expires)) found.push('expires');
  if (present(stored.websiteRedirectLocation)) found.push('x-amz-website-redirect-location');
  const userNames = Object.keys(stored.userMetadata ?? {}).map((name) => name.toLowerCase());
  for (const name of userNames.sort()) found.push(`x-amz-meta-${name}`);
  return found;
}
