import { createHmac } from 'node:crypto';
import { checkPostPolicy, signingKey } from './s3-post-policy.ts';

const secret = 'SECRET';
const now = new Date('2026-11-29T12:00:00Z');
const credential = 'AKID/20261129/us-east-1/s3/aws4_request';

function form(
  conditions: unknown[],
  fields: Record<string, string>,
  options: { expiration?: string; tamper?: boolean } = {},
): Map<string, string> {
  const policy = Buffer.from(
    JSON.stringify({ expiration: options.expiration ?? '2026-11-29T13:00:00Z', conditions }),
  ).toString('base64');
  const signature = createHmac('sha256', signingKey(secret, '20261129', 'us-east-1', 's3'))
    .update(policy)
    .digest('hex');
  const signed = options.tamper
    ? Buffer.from(JSON.stringify({ expiration: '2026-11-29T13:00:00Z', conditions: [] })).toString(
        'base64',
      )
    : policy;
  return new Map(
    Object.entries({
      ...fields,
      'x-amz-algorithm': 'AWS4-HMAC-SHA256',
      'x-amz-credential': credential,
      'x-amz-date': '20261129T120000Z',
      policy: signed,
      'x-amz-signature': signature,
    }),
  );
}

const standard = [
  { bucket: 'uploads' },
  { 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256' },
  { 'X-Amz-Credential': credential },
  { 'X-Amz-Date': '20261129T120000Z' },
  { key: 'a/b.pdf' },
  ['eq', '$Content-Type', 'application/pdf'],
  ['content-length-range', 10, 10],
];

const check = (fields: Map<string, string>, bucket = 'uploads') =>
  checkPostPolicy({
    fields,
    bucket,
    now,
    secretFor: (id) => (id === 'AKID' ? secret : undefined),
  });

describe('checkPostPolicy', () => {
  it('accepts a form that meets every condition and returns the size range', () => {
    const fields = form(standard, { key: 'a/b.pdf', 'content-type': 'application/pdf' });
    expect(check(fields)).toEqual({ ok: true, contentLengthRange: [10, 10] });
  });

  it('refuses an anonymous form (no policy) as a private bucket does', () => {
    expect(check(new Map([['key', 'a/b.pdf']]))).toMatchObject({
      ok: false,
      code: 'AccessDenied',
      status: 403,
    });
  });

  it('refuses a policy other than the one signed', () => {
    const fields = form(
      standard,
      { key: 'a/b.pdf', 'content-type': 'application/pdf' },
      {
        tamper: true,
      },
    );
    expect(check(fields)).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch', status: 403 });
  });

  it('refuses an unknown access key', () => {
    const fields = form(standard, { key: 'a/b.pdf', 'content-type': 'application/pdf' });
    fields.set('x-amz-credential', credential.replace('AKID', 'OTHER'));
    expect(check(fields)).toMatchObject({ ok: false, code: 'InvalidAccessKeyId', status: 403 });
  });

  it('refuses an expired policy', () => {
    const fields = form(
      standard,
      { key: 'a/b.pdf', 'content-type': 'application/pdf' },
      {
        expiration: '2026-11-29T11:59:59Z',
      },
    );
    expect(check(fields)).toEqual({
      ok: false,
      code: 'AccessDenied',
      message: 'Invalid according to Policy: Policy expired.',
      status: 403,
    });
  });

  it.each([
    ['another key', { key: 'a/other.pdf', 'content-type': 'application/pdf' }, '$key'],
    ['another type', { key: 'a/b.pdf', 'content-type': 'text/html' }, '$content-type'],
    ['no type', { key: 'a/b.pdf' }, '$content-type'],
  ])('refuses a form with %s', (_, fields, field) => {
    const verdict = check(form(standard, fields));
    expect(verdict).toMatchObject({ ok: false, code: 'AccessDenied', status: 403 });
    expect(verdict.ok || verdict.message).toContain(`Policy Condition failed: ["eq","${field}"`);
  });

  it('checks the bucket condition against the bucket posted to', () => {
    const fields = form(standard, { key: 'a/b.pdf', 'content-type': 'application/pdf' });
    expect(check(fields, 'sandbox')).toMatchObject({ ok: false, code: 'AccessDenied' });
  });

  it('refuses a field no condition covers, but not x-ignore-* ones', () => {
    const base = { key: 'a/b.pdf', 'content-type': 'application/pdf' };
    expect(check(form(standard, { ...base, 'x-amz-meta-owner': 'eve' }))).toMatchObject({
      ok: false,
      code: 'AccessDenied',
      message: 'Invalid according to Policy: Extra input fields: x-amz-meta-owner',
    });
    expect(check(form(standard, { ...base, 'x-ignore-note': 'hi' }))).toMatchObject({ ok: true });
  });

  it('applies starts-with and narrows several content-length-ranges', () => {
    const conditions = [
      ...standard.slice(0, 4),
      ['starts-with', '$key', 'user/1/'],
      ['content-length-range', 0, 100],
      ['content-length-range', 5, 1000],
    ];
    expect(check(form(conditions, { key: 'user/1/x' }))).toEqual({
      ok: true,
      contentLengthRange: [5, 100],
    });
    expect(check(form(conditions, { key: 'user/2/x' }))).toMatchObject({ ok: false });
  });

  it('answers InvalidPolicyDocument for a policy S3 cannot read', () => {
    expect(check(form([['between', '$key', 'a']], { key: 'a' }))).toMatchObject({
      ok: false,
      code: 'InvalidPolicyDocument',
      status: 400,
    });
  });
});
