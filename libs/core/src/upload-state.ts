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

/** States whose content a worker has hashed and found to match its claim. */
export const CONFIRMED_STATES: readonly UploadState[] = ['verified', 'clean', 'ready'];

/** States whose content may be served: scanned and found clean. */
export const SERVABLE_STATES: readonly UploadState[] = ['clean', 'ready'];

export function isServable(state: UploadState): boolean {
  return SERVABLE_STATES.includes(state);
}

/** States that hold no usable content and never will. */
export const DEAD_STATES: readonly UploadState[] = ['rejected', 'quarantined', 'expired'];

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
