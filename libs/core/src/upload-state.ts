/**
 * The life of an upload. Every move is a compare-and-set in the store, so a
 * replayed or out-of-order message finds the state already moved and does nothing.
 */
export const UPLOAD_STATES = [
  'pending',
  'uploaded',
  'verified',
  'clean',
  'ready',
  'rejected',
  'quarantined',
  'expired',
] as const;

export type UploadState = (typeof UPLOAD_STATES)[number];

const TRANSITIONS: Readonly<Record<UploadState, readonly UploadState[]>> = {
  pending: ['uploaded', 'verified', 'rejected', 'expired'],
  uploaded: ['verified', 'rejected'],
  verified: ['clean', 'quarantined', 'rejected'],
  clean: ['ready', 'quarantined', 'rejected'],
  // A rescan after a signature update can still quarantine ready content, and
  // an overwrite through a leaked URL can still reject it.
  ready: ['quarantined', 'rejected'],
  rejected: [],
  quarantined: [],
  expired: [],
};

/** States that hold no usable content and never will. */
export const DEAD_STATES: readonly UploadState[] = ['rejected', 'quarantined', 'expired'];

/**
 * Every other state: the upload still needs (or serves) the object at its key,
 * and owns its hash in its dedup scope (the store's partial unique index
 * `uploads_live_content` allows one live upload per scope and hash).
 */
export const LIVE_STATES: readonly UploadState[] = UPLOAD_STATES.filter(
  (state) => !DEAD_STATES.includes(state),
);

/** States whose content a worker has hashed and found to match its claim. */
export const CONFIRMED_STATES: readonly UploadState[] = ['verified', 'clean', 'ready'];

/** States whose content may be served: scanned and found clean. */
export const SERVABLE_STATES: readonly UploadState[] = ['clean', 'ready'];

/** Live states whose content no worker has confirmed yet: the upload waits for its bytes or their check. */
export const AWAITING_CONFIRMATION_STATES: readonly UploadState[] = LIVE_STATES.filter(
  (state) => !CONFIRMED_STATES.includes(state),
);

export function isServable(state: UploadState): boolean {
  return SERVABLE_STATES.includes(state);
}

export function canTransition(from: UploadState, to: UploadState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function allowedSources(to: UploadState): UploadState[] {
  return UPLOAD_STATES.filter((from) => canTransition(from, to));
}

export function isTerminal(state: UploadState): boolean {
  return TRANSITIONS[state].length === 0 || state === 'ready';
}

export function isConfirmed(state: UploadState): boolean {
  return CONFIRMED_STATES.includes(state);
}

/** States an upload ends its processing in: each is announced by webhook (the outbox trigger's condition). */
export const TERMINAL_STATES: readonly UploadState[] = UPLOAD_STATES.filter(isTerminal);
