import { decideAfterScan } from './scan-policy.ts';

describe('decideAfterScan', () => {
  it('sends clean images to media and other clean content straight to ready', () => {
    expect(decideAfterScan({ result: 'clean' }, 'image/png', 'quarantine')).toEqual({
      next: 'clean',
      then: 'media',
    });
    expect(decideAfterScan({ result: 'clean' }, 'application/pdf', 'quarantine')).toEqual({
      next: 'clean',
      then: 'ready',
    });
    expect(decideAfterScan({ result: 'clean' }, 'video/mp4', 'quarantine')).toEqual({
      next: 'clean',
      then: 'ready',
    });
  });

  it('quarantines a hit with its signature as the reason', () => {
    expect(
      decideAfterScan({ result: 'infected', signature: 'Eicar' }, 'text/plain', 'hold'),
    ).toEqual({
      next: 'quarantined',
      reason: 'Eicar',
    });
  });

  it('never lets bytes past a scan limit through: quarantined or held, by policy', () => {
    const verdict = {
      result: 'limits_exceeded' as const,
      signature: 'Heuristics.Limits.Exceeded.MaxFileSize',
    };
    expect(decideAfterScan(verdict, 'application/pdf', 'quarantine')).toEqual({
      next: 'quarantined',
      reason: 'scan_limits_exceeded: Heuristics.Limits.Exceeded.MaxFileSize',
    });
    expect(decideAfterScan(verdict, 'application/pdf', 'hold')).toMatchObject({ next: 'hold' });
  });

  it('never lets encrypted content through: quarantined or held, by policy, naming the encryption', () => {
    const verdict = { result: 'encrypted' as const, signature: 'Heuristics.Encrypted.PDF' };
    expect(decideAfterScan(verdict, 'application/pdf', 'quarantine')).toEqual({
      next: 'quarantined',
      reason: 'encrypted_content: Heuristics.Encrypted.PDF',
    });
    expect(decideAfterScan(verdict, 'application/zip', 'hold')).toEqual({
      next: 'hold',
      reason: 'encrypted_content: Heuristics.Encrypted.PDF',
    });
    expect(decideAfterScan({ result: 'encrypted' }, 'application/pdf', 'quarantine')).toEqual({
      next: 'quarantined',
      reason: 'encrypted_content: Heuristics.Encrypted',
    });
  });
});
