/**
 * Uploads whose bytes are on their way, remembered in localStorage so that
 * leaving the page (reload, close, navigation) never leaves one `pending`:
 *
 * - on `pagehide`, each is cancelled at the API (`DELETE /v1/uploads/:id`
 *   with the token that created it, `keepalive` so it outlives the page);
 * - on the next load, whatever is still listed (the browser dropped the
 *   request) is cancelled again and shown with the state the API answers.
 *
 * A cancelled upload is `expired` with reason `cancelled`: its URL is dead
 * and its parts, if any, are aborted in the store.
 */
export type InFlight = {
  readonly uploadId: string;
  readonly token: string;
  readonly apiUrl: string;
  readonly fileName: string;
  readonly size: number;
};

export type Interrupted = {
  readonly entry: InFlight;
  readonly state: string | undefined;
  readonly reason: string | null;
};

const KEY = 'airlock-demo:in-flight';

function read(): InFlight[] {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) ?? '[]') as unknown;
    return Array.isArray(value) ? (value as InFlight[]) : [];
  } catch {
    return [];
  }
}

const write = (entries: readonly InFlight[]) =>
  entries.length
    ? localStorage.setItem(KEY, JSON.stringify(entries))
    : localStorage.removeItem(KEY);

export const inFlight = {
  add(entry: InFlight): void {
    write([...read().filter((e) => e.uploadId !== entry.uploadId), entry]);
  },
  remove(uploadId: string): void {
    write(read().filter((e) => e.uploadId !== uploadId));
  },
};

const cancel = (entry: InFlight, keepalive: boolean) =>
  fetch(`${entry.apiUrl}/v1/uploads/${encodeURIComponent(entry.uploadId)}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${entry.token}` },
    keepalive,
  });

/** Cancels every in-flight upload when the page goes away (best effort: see `recoverInterrupted`). */
export function cancelOnLeave(): void {
  addEventListener('pagehide', () => {
    for (const entry of read()) cancel(entry, true).catch(() => undefined);
  });
}

/** Cancels what a previous visit left in flight; answers each upload's state. */
export async function recoverInterrupted(): Promise<Interrupted[]> {
  const entries = read();
  const outcomes = await Promise.all(
    entries.map(async (entry): Promise<Interrupted> => {
      try {
        let response = await cancel(entry, false);
        // Not pending any more (the bytes arrived, or the pagehide cancel went through): read it.
        if (response.status === 409)
          response = await fetch(
            `${entry.apiUrl}/v1/uploads/${encodeURIComponent(entry.uploadId)}`,
            { headers: { authorization: `Bearer ${entry.token}` } },
          );
        const body = (await response.json().catch(() => ({}))) as {
          state?: string;
          reason?: string | null;
        };
        return { entry, state: response.ok ? body.state : undefined, reason: body.reason ?? null };
      } catch {
        return { entry, state: undefined, reason: null };
      }
    }),
  );
  write([]);
  return outcomes;
}
