/**
 * S3's browser-based upload (HTML form POST, SigV4) checks, as the real
 * service makes them before it stores a byte: the policy's signature, its
 * expiration, every form field covered by a condition and every condition
 * met. The file's size (`content-length-range`) is checked while it streams.
 * Pure: the emulator hands in the form fields, the time and the key lookup.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type PolicyFailure = {
  readonly ok: false;
  readonly code: string;
  readonly message: string;
  readonly status: number;
};

export type PolicyAccepted = {
  readonly ok: true;
  /** Inclusive bounds on the file's size, when the policy sets them. */
  readonly contentLengthRange?: readonly [number, number];
};

type Condition =
  | { readonly op: 'eq' | 'starts-with'; readonly field: string; readonly value: string }
  | { readonly op: 'content-length-range'; readonly min: number; readonly max: number };

const fail = (code: string, message: string, status: number): PolicyFailure => ({
  ok: false,
  code,
  message,
  status,
});
const denied = (why: string) => fail('AccessDenied', `Invalid according to Policy: ${why}`, 403);
const invalidPolicy = (why: string) => fail('InvalidPolicyDocument', `Invalid Policy: ${why}`, 400);

/** Fields the policy need not cover (S3's own list for SigV4 forms). */
const exempt = (name: string) =>
  name === 'policy' ||
  name === 'x-amz-signature' ||
  name === 'file' ||
  name.startsWith('x-ignore-');

/** The SigV4 signing key of `secret` for a credential scope. */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const dateKey = createHmac('sha256', `AWS4${secret}`).update(date).digest();
  const regionKey = createHmac('sha256', dateKey).update(region).digest();
  const serviceKey = createHmac('sha256', regionKey).update(service).digest();
  return createHmac('sha256', serviceKey).update('aws4_request').digest();
}

function parseConditions(conditions: unknown[]): Condition[] | PolicyFailure {
  const parsed: Condition[] = [];
  for (const condition of conditions) {
    if (Array.isArray(condition)) {
      const [op, a, b] = condition as unknown[];
      const operator = typeof op === 'string' ? op.toLowerCase() : '';
      if (operator === 'content-length-range' && condition.length === 3) {
        const min = Number(a);
        const max = Number(b);
        if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min < 0 || max < min)
          return invalidPolicy('Invalid content-length-range.');
        parsed.push({ op: 'content-length-range', min, max });
      } else if (
        (operator === 'eq' || operator === 'starts-with') &&
        condition.length === 3 &&
        typeof a === 'string' &&
        a.startsWith('$') &&
        typeof b === 'string'
      ) {
        parsed.push({ op: operator, field: a.slice(1).toLowerCase(), value: b });
      } else {
        return invalidPolicy(`Invalid Condition: ${JSON.stringify(condition)}`);
      }
    } else if (condition !== null && typeof condition === 'object') {
      const entries = Object.entries(condition);
      const [entry] = entries;
      if (entries.length !== 1 || !entry || typeof entry[1] !== 'string')
        return invalidPolicy(`Invalid Simple-Condition: ${JSON.stringify(condition)}`);
      parsed.push({ op: 'eq', field: entry[0].toLowerCase(), value: entry[1] });
    } else {
      return invalidPolicy(`Invalid Condition: ${JSON.stringify(condition)}`);
    }
  }
  return parsed;
}

const describe = (c: Condition) =>
  c.op === 'content-length-range'
    ? JSON.stringify([c.op, c.min, c.max])
    : JSON.stringify([c.op, `$${c.field}`, c.value]);

/**
 * Checks a form's fields (names lower-cased, those sent before the file) for
 * a POST to `bucket` at `now`. `secretFor` finds an access key's secret.
 */
export function checkPostPolicy(input: {
  readonly fields: ReadonlyMap<string, string>;
  readonly bucket: string;
  readonly now: Date;
  readonly secretFor: (accessKeyId: string) => string | undefined;
}): PolicyAccepted | PolicyFailure {
  const { fields } = input;
  const policy = fields.get('policy');
  const signature = fields.get('x-amz-signature');
  // Without a policy the upload is anonymous, which a private bucket refuses.
  if (policy === undefined || signature === undefined)
    return fail('AccessDenied', 'Access Denied', 403);
  if (fields.get('x-amz-algorithm') !== 'AWS4-HMAC-SHA256')
    return fail('InvalidArgument', 'POST requires x-amz-algorithm AWS4-HMAC-SHA256', 400);

  const [accessKeyId, date, region, service, terminator, ...rest] = (
    fields.get('x-amz-credential') ?? ''
  ).split('/');
  if (!accessKeyId || !date || !region || !service || terminator !== 'aws4_request' || rest.length)
    return fail('InvalidArgument', 'Invalid x-amz-credential', 400);
  const secret = input.secretFor(accessKeyId);
  if (secret === undefined)
    return fail(
      'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.',
      403,
    );
  const expected = createHmac('sha256', signingKey(secret, date, region, service))
    .update(policy, 'utf8')
    .digest();
  const provided = Buffer.from(/^[0-9a-f]{64}$/i.test(signature) ? signature : '', 'hex');
  if (provided.length !== expected.length || !timingSafeEqual(provided, expected))
    return fail(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      403,
    );

  let document: { expiration?: unknown; conditions?: unknown };
  try {
    document = JSON.parse(Buffer.from(policy, 'base64').toString('utf8')) as typeof document;
  } catch {
    return invalidPolicy('Invalid JSON.');
  }
  if (document === null || typeof document !== 'object') return invalidPolicy('Invalid JSON.');
  if (typeof document.expiration !== 'string') return invalidPolicy('Policy missing expiration.');
  const expiration = Date.parse(document.expiration);
  if (Number.isNaN(expiration)) return invalidPolicy('Invalid expiration.');
  if (!Array.isArray(document.conditions)) return invalidPolicy('Policy missing conditions.');
  const conditions = parseConditions(document.conditions);
  if (!Array.isArray(conditions)) return conditions;
  if (input.now.getTime() > expiration) return denied('Policy expired.');

  const covered = new Set(
    conditions.flatMap((c) => (c.op === 'content-length-range' ? [] : [c.field])),
  );
  const extra = [...fields.keys()].filter((name) => !exempt(name) && !covered.has(name));
  if (extra.length > 0) return denied(`Extra input fields: ${extra.join(', ')}`);

  let contentLengthRange: readonly [number, number] | undefined;
  for (const condition of conditions) {
    if (condition.op === 'content-length-range') {
      const [min, max] = contentLengthRange ?? [0, Number.MAX_SAFE_INTEGER];
      contentLengthRange = [Math.max(min, condition.min), Math.min(max, condition.max)];
      continue;
    }
    const actual =
      condition.field === 'bucket' ? input.bucket : (fields.get(condition.field) ?? undefined);
    const met =
      actual !== undefined &&
      (condition.op === 'eq' ? actual === condition.value : actual.startsWith(condition.value));
    if (!met) return denied(`Policy Condition failed: ${describe(condition)}`);
  }
  return contentLengthRange ? { ok: true, contentLengthRange } : { ok: true };
}
