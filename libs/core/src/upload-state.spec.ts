import {
  allowedSources,
  AWAITING_CONFIRMATION_STATES,
  canTransition,
  CONFIRMED_STATES,
  DEAD_STATES,
  isConfirmed,
  isTerminal,
  LIVE_STATES,
  SERVABLE_STATES,
  TERMINAL_STATES,
  UPLOAD_STATES,
  type UploadState,
} from './upload-state.ts';

describe('upload state machine', () => {
  it('lists the eight states in lifecycle order', () => {
    expect(UPLOAD_STATES).toEqual([
      'pending',
      'uploaded',
      'verified',
      'clean',
      'ready',
      'rejected',
      'quarantined',
      'expired',
    ]);
  });

  it.each<[UploadState, UploadState]>([
    ['pending', 'uploaded'],
    ['pending', 'verified'],
    ['pending', 'rejected'],
    ['pending', 'expired'],
    ['uploaded', 'verified'],
    ['uploaded', 'rejected'],
    ['verified', 'clean'],
    ['verified', 'quarantined'],
    ['verified', 'rejected'],
    ['clean', 'ready'],
    ['clean', 'quarantined'],
    ['clean', 'rejected'],
    ['ready', 'quarantined'],
    ['ready', 'rejected'],
  ])('allows %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it.each<[UploadState, UploadState]>([
    ['uploaded', 'pending'],
    ['uploaded', 'expired'],
    ['verified', 'pending'],
    ['verified', 'ready'],
    ['clean', 'verified'],
    ['ready', 'clean'],
    ['pending', 'clean'],
    ['pending', 'ready'],
  ])('refuses %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  it('never allows a state to move to itself', () => {
    for (const state of UPLOAD_STATES) expect(canTransition(state, state)).toBe(false);
  });

  it('lets nothing leave a dead state', () => {
    for (const dead of DEAD_STATES) {
      for (const to of UPLOAD_STATES) expect(canTransition(dead, to)).toBe(false);
    }
  });

  it('lets nothing return to pending', () => {
    expect(allowedSources('pending')).toEqual([]);
  });

  it('reaches every state from pending', () => {
    const reached = new Set<UploadState>(['pending']);
    let grew = true;
    while (grew) {
      grew = false;
      for (const from of reached) {
        for (const to of UPLOAD_STATES) {
          if (canTransition(from, to) && !reached.has(to)) {
            reached.add(to);
            grew = true;
          }
        }
      }
    }
    expect([...reached].sort()).toEqual([...UPLOAD_STATES].sort());
  });

  describe('allowedSources', () => {
    it.each<[UploadState, UploadState[]]>([
      ['uploaded', ['pending']],
      ['verified', ['pending', 'uploaded']],
      ['clean', ['verified']],
      ['ready', ['clean']],
      ['rejected', ['pending', 'uploaded', 'verified', 'clean', 'ready']],
      ['quarantined', ['verified', 'clean', 'ready']],
      ['expired', ['pending']],
    ])('%s can be reached from %j', (to, sources) => {
      expect(allowedSources(to)).toEqual(sources);
    });

    it('agrees with canTransition', () => {
      for (const to of UPLOAD_STATES) {
        for (const from of UPLOAD_STATES) {
          expect(allowedSources(to).includes(from)).toBe(canTransition(from, to));
        }
      }
    });
  });

  describe('isTerminal', () => {
    it.each<UploadState>(['ready', 'rejected', 'quarantined', 'expired'])('%s is terminal', (s) => {
      expect(isTerminal(s)).toBe(true);
    });
    it.each<UploadState>(['pending', 'uploaded', 'verified', 'clean'])('%s is not', (s) => {
      expect(isTerminal(s)).toBe(false);
    });
  });

  describe('isConfirmed', () => {
    it('holds exactly for the states a worker has verified', () => {
      const confirmed = UPLOAD_STATES.filter(isConfirmed);
      expect(confirmed).toEqual(['verified', 'clean', 'ready']);
      expect(confirmed).toEqual([...CONFIRMED_STATES]);
    });

    it('is never true of a dead state', () => {
      for (const dead of DEAD_STATES) expect(isConfirmed(dead)).toBe(false);
      expect(CONFIRMED_STATES.filter((s) => DEAD_STATES.includes(s))).toEqual([]);
    });
  });

  describe('named state sets', () => {
    it('splits every state into live and dead', () => {
      expect(LIVE_STATES).toEqual(['pending', 'uploaded', 'verified', 'clean', 'ready']);
      expect([...LIVE_STATES, ...DEAD_STATES].sort()).toEqual([...UPLOAD_STATES].sort());
    });

    it('splits the live states into awaiting confirmation and confirmed', () => {
      expect(AWAITING_CONFIRMATION_STATES).toEqual(['pending', 'uploaded']);
      expect([...AWAITING_CONFIRMATION_STATES, ...CONFIRMED_STATES]).toEqual([...LIVE_STATES]);
    });

    it('serves only confirmed content', () => {
      expect(SERVABLE_STATES.every(isConfirmed)).toBe(true);
    });

    it('names the terminal states the webhooks announce', () => {
      expect(TERMINAL_STATES).toEqual(['ready', 'rejected', 'quarantined', 'expired']);
      expect(TERMINAL_STATES).toEqual(UPLOAD_STATES.filter(isTerminal));
    });
  });
});
