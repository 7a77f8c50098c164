import { ProgressLedger } from './progress.ts';

describe('ProgressLedger', () => {
  it('counts hashing, bytes in flight per part and confirmed parts', () => {
    const ledger = new ProgressLedger(30);
    ledger.partCount = 3;
    ledger.hashed(12);
    expect(ledger.snapshot('hashing')).toEqual({
      phase: 'hashing',
      bytesHashed: 12,
      bytesSent: 0,
      bytesConfirmed: 0,
      totalBytes: 30,
      partsDone: 0,
      partCount: 3,
    });
    ledger.hashed(30);
    ledger.sending(1, 4, 10);
    ledger.sending(2, 7, 10);
    expect(ledger.snapshot('uploading')).toMatchObject({ bytesHashed: 30, bytesSent: 11 });
    ledger.confirmed(1, 10);
    expect(ledger.snapshot('uploading')).toMatchObject({
      bytesSent: 17,
      bytesConfirmed: 10,
      partsDone: 1,
    });
  });

  it('a failed request no longer counts what it had sent; a retry starts its part over', () => {
    const ledger = new ProgressLedger(20);
    ledger.partCount = 2;
    ledger.sending(1, 9, 10);
    ledger.sending(2, 5, 10);
    ledger.failed(2);
    expect(ledger.snapshot('uploading').bytesSent).toBe(9);
    ledger.sending(2, 1, 10);
    expect(ledger.snapshot('uploading').bytesSent).toBe(10);
  });

  it('never reports more than the part or the file', () => {
    const ledger = new ProgressLedger(10);
    ledger.hashed(99);
    ledger.sending(1, 50, 10); // a transport counting headers, or a bogus event
    expect(ledger.snapshot('uploading')).toMatchObject({ bytesHashed: 10, bytesSent: 10 });
    ledger.confirmed(1, 10);
    ledger.confirmed(1, 10);
    expect(ledger.snapshot('uploading').bytesConfirmed).toBe(10);
    ledger.sending(1, -3, 10);
    expect(ledger.snapshot('uploading').bytesSent).toBe(10);
  });

  it('restart forgets what the store held; complete marks everything done without sending', () => {
    const ledger = new ProgressLedger(20);
    ledger.partCount = 2;
    ledger.confirmed(1, 10);
    ledger.sending(2, 3, 10);
    ledger.restart();
    expect(ledger.snapshot('uploading')).toMatchObject({
      bytesSent: 0,
      bytesConfirmed: 0,
      partsDone: 0,
    });
    const duplicate = new ProgressLedger(20);
    duplicate.complete();
    expect(duplicate.snapshot('done')).toMatchObject({
      bytesHashed: 20,
      bytesSent: 20,
      bytesConfirmed: 20,
      partsDone: 1,
      partCount: 1,
    });
  });
});
