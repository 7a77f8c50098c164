/** What the page's backend answers `POST /token` with: an upload token and its limits. */
export type Grant = {
  readonly token: string;
  readonly expiresAt: string;
  readonly maxSize: number | null;
  readonly maxUploads: number;
  readonly contentTypes: readonly string[] | null;
  readonly apiUrl: string;
  readonly siteId: string;
};

/** A token this close to its expiry is not used for a new upload. */
const RENEW_MARGIN_MS = 120_000;

/**
 * Upload tokens from this page's backend (`POST /token`, same origin): the
 * page never sees an API key. One token serves uploads until it nears its
 * expiry or runs out of uploads; each upload keeps the token that created it,
 * the only one that may read it.
 */
export class TokenSource {
  #current: Promise<Grant> | undefined;

  current(): Promise<Grant> {
    const current = this.#current;
    if (current) {
      return current.then((grant) =>
        Date.parse(grant.expiresAt) - Date.now() > RENEW_MARGIN_MS ? grant : this.renew(),
      );
    }
    return this.renew();
  }

  renew(): Promise<Grant> {
    const next = fetchGrant();
    this.#current = next;
    next.catch(() => {
      if (this.#current === next) this.#current = undefined;
    });
    return next;
  }
}

async function fetchGrant(): Promise<Grant> {
  const response = await fetch('/token', { method: 'POST' });
  const body = (await response.json().catch(() => ({}))) as Partial<Grant> & {
    error?: { message?: string };
  };
  if (!response.ok || typeof body.token !== 'string')
    throw new Error(
      body.error?.message ?? `This page's backend gave no upload token (HTTP ${response.status}).`,
    );
  return body as Grant;
}
