import { AirlockApiError } from './errors.ts';
import {
  DEFAULT_POLL,
  inProgressOf,
  isTerminalState,
  pollDelay,
  TERMINAL_STATES,
} from './follow.ts';

describe('following an upload', () => {
  it('knows the terminal states of the v1 API', () => {
    expect(TERMINAL_STATES).toEqual(['ready', 'rejected', 'quarantined', 'expired']);
    for (const state of ['pending', 'uploaded', 'verified', 'clean', 'something-new'])
      expect(isTerminalState(state)).toBe(false);
    for (const state of TERMINAL_STATES) expect(isTerminalState(state)).toBe(true);
  });

  it('polls sooner first, then less often, never past the maximum', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((poll) => pollDelay(poll, DEFAULT_POLL));
    expect(delays).toEqual([500, 750, 1125, 1688, 2531, 3797, 5000, 5000]);
  });

  it("takes the API's Retry-After as a floor, capped by the maximum", () => {
    expect(pollDelay(1, DEFAULT_POLL, 2)).toBe(2000);
    expect(pollDelay(7, DEFAULT_POLL, 2)).toBe(5000);
    expect(pollDelay(1, DEFAULT_POLL, 60)).toBe(5000);
  });

  it('reads 409 upload_in_progress as "wait and follow that upload", nothing else', () => {
    const id = '0b9d7c43-5d8e-4c57-9d43-2c0f4c5f2a11';
    expect(
      inProgressOf(
        new AirlockApiError(409, 'upload_in_progress', 'on its way', { uploadId: id }, 2),
      ),
    ).toEqual({ uploadId: id, retryAfterSeconds: 2 });
    expect(inProgressOf(new AirlockApiError(409, 'upload_conflict', 'no', {}))).toBeUndefined();
    expect(inProgressOf(new AirlockApiError(409, 'upload_in_progress', 'no id'))).toBeUndefined();
    expect(inProgressOf(new Error('upload_in_progress'))).toBeUndefined();
  });
});
