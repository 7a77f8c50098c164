import { parseScanReply, parseVersionReply, STREAM_LIMIT_SIGNATURE } from './clamd-reply.ts';

describe('parseScanReply', () => {
  it('reads OK as clean and FOUND as the signature clamd names', () => {
    expect(parseScanReply('stream: OK\0')).toEqual({ result: 'clean' });
    expect(parseScanReply('stream: Airlock.Test.EICAR.UNOFFICIAL FOUND\0')).toEqual({
      result: 'infected',
      signature: 'Airlock.Test.EICAR.UNOFFICIAL',
    });
    expect(parseScanReply('stream: Win.Test.EICAR_HDB-1 FOUND\n')).toEqual({
      result: 'infected',
      signature: 'Win.Test.EICAR_HDB-1',
    });
  });

  it('drops the hash and size ExtendedDetectionInfo appends to the name', () => {
    expect(
      parseScanReply('stream: Win.Test.EICAR_HDB-1(44d88612fea8a8f36de82e1278abb02f:68) FOUND\0'),
    ).toEqual({ result: 'infected', signature: 'Win.Test.EICAR_HDB-1' });
  });

  it('reads limit alerts and the stream-length ERROR as limits, never clean', () => {
    expect(parseScanReply('stream: Heuristics.Limits.Exceeded.MaxScanSize FOUND\0')).toEqual({
      result: 'limits_exceeded',
      signature: 'Heuristics.Limits.Exceeded.MaxScanSize',
    });
    expect(parseScanReply('INSTREAM size limit exceeded. ERROR\0')).toEqual({
      result: 'limits_exceeded',
      signature: STREAM_LIMIT_SIGNATURE,
    });
  });

  it('reads encrypted-content alerts as encrypted, never clean', () => {
    expect(parseScanReply('stream: Heuristics.Encrypted.PDF FOUND\0')).toEqual({
      result: 'encrypted',
      signature: 'Heuristics.Encrypted.PDF',
    });
    expect(parseScanReply('stream: Heuristics.Encrypted.Zip FOUND\0')).toEqual({
      result: 'encrypted',
      signature: 'Heuristics.Encrypted.Zip',
    });
  });

  it('ranks a real hit over an encrypted alert, and an encrypted alert over a limit', () => {
    expect(
      parseScanReply(
        'stream: Heuristics.Encrypted.Zip FOUND\0stream: Airlock.Test.EICAR.UNOFFICIAL FOUND\0',
      ),
    ).toEqual({ result: 'infected', signature: 'Airlock.Test.EICAR.UNOFFICIAL' });
    expect(
      parseScanReply(
        'stream: Heuristics.Limits.Exceeded.MaxFiles FOUND\0stream: Heuristics.Encrypted.Zip FOUND\0',
      ),
    ).toEqual({ result: 'encrypted', signature: 'Heuristics.Encrypted.Zip' });
  });

  it('prefers a real hit over a limit alert when clamd reports both (AllowAllMatchScan)', () => {
    expect(
      parseScanReply(
        'stream: Heuristics.Limits.Exceeded.MaxFileSize FOUND\0stream: Airlock.Test.Marker.UNOFFICIAL FOUND\0',
      ),
    ).toEqual({ result: 'infected', signature: 'Airlock.Test.Marker.UNOFFICIAL' });
  });

  it.each([
    '',
    '\0',
    'stream: OK stream: OK',
    'stream: OK\0stream: Eicar FOUND\0',
    'stream: ',
    'stream:OK',
    'OK',
    'stream: FOUND',
    'COMMAND READ TIMED OUT\0',
    "Can't allocate memory ERROR\0",
    'stream: lstat() failed: No such file or directory. ERROR\0',
    'UNKNOWN COMMAND\0',
  ])('gives no answer for %j', (raw) => {
    expect(parseScanReply(raw)).toBeUndefined();
  });
});

describe('parseVersionReply', () => {
  it('splits the engine from the database version and date', () => {
    expect(parseVersionReply('ClamAV 1.4.3/27450/Mon Nov 23 09:00:00 2026\0')).toEqual({
      engine: 'ClamAV 1.4.3',
      signatures: '27450/Mon Nov 23 09:00:00 2026',
    });
  });

  it('leaves signatures empty when clamd loaded no official database', () => {
    expect(parseVersionReply('ClamAV 1.4.3\0')).toEqual({ engine: 'ClamAV 1.4.3', signatures: '' });
  });

  it.each(['', 'PONG\0', 'UNKNOWN COMMAND\0', 'ClamAV\0'])('rejects %j', (raw) => {
    expect(parseVersionReply(raw)).toBeUndefined();
  });
});
