/** What one INSTREAM reply says, when it says anything definite. */
export type ScanAnswer =
  | { readonly result: 'clean' }
  | { readonly result: 'infected'; readonly signature: string }
  | { readonly result: 'limits_exceeded'; readonly signature: string }
  | { readonly result: 'encrypted'; readonly signature: string };

/**
 * clamd answers a stream longer than StreamMaxLength with an ERROR, not a
 * FOUND; the adapter names it like clamd's own limit alerts
 * (`Heuristics.Limits.Exceeded.MaxFileSize`, `…MaxScanSize`, …).
 */
export const STREAM_LIMIT_SIGNATURE = 'Heuristics.Limits.Exceeded.StreamMaxLength';

const LIMITS_PREFIX = 'Heuristics.Limits.';
/** With AlertEncrypted*: a password-protected archive or document clamd cannot read. */
const ENCRYPTED_PREFIX = 'Heuristics.Encrypted.';
const STREAM_LIMIT_REPLY = 'INSTREAM size limit exceeded. ERROR';
const FOUND = /^stream: (.+) FOUND$/;
// ExtendedDetectionInfo appends "(<md5 or sha256>:<size>)" to the signature name.
const EXTENDED_INFO = /\([0-9a-f]{32,64}:\d+\)$/;

/**
 * Reads clamd's reply to `zINSTREAM` strictly: `stream: OK` alone is clean,
 * `stream: <name> FOUND` lines are a hit (encrypted-content alerts only when
 * no signature matched, limit alerts only when nothing else did), and clamd's
 * stream-length ERROR is a limit. Anything else
 * (other ERRORs, a read-timeout notice, a partial or empty reply) is
 * `undefined`: no answer, never clean.
 */
export function parseScanReply(raw: string): ScanAnswer | undefined {
  const lines = raw
    .split(/[\0\r\n]/)
    .map((line) => line.trim())
    .filter(Boolean);
  if (lines.length === 1 && lines[0] === 'stream: OK') return { result: 'clean' };
  if (lines.length === 1 && lines[0] === STREAM_LIMIT_REPLY)
    return { result: 'limits_exceeded', signature: STREAM_LIMIT_SIGNATURE };
  const names = lines.map((line) => FOUND.exec(line)?.[1]?.replace(EXTENDED_INFO, '').trim());
  if (names.length === 0 || names.some((name) => !name)) return undefined;
  const found = names as string[];
  const hit = found.find(
    (name) => !name.startsWith(LIMITS_PREFIX) && !name.startsWith(ENCRYPTED_PREFIX),
  );
  if (hit) return { result: 'infected', signature: hit };
  const encrypted = found.find((name) => name.startsWith(ENCRYPTED_PREFIX));
  if (encrypted) return { result: 'encrypted', signature: encrypted };
  return { result: 'limits_exceeded', signature: found[0]! };
}

export type EngineVersion = { readonly engine: string; readonly signatures: string };

/**
 * Reads clamd's reply to `zVERSION`: `ClamAV 1.4.3/27450/Mon Nov 23 09:00:00 2026`
 * with official databases, only `ClamAV 1.4.3` when clamd loaded none (then
 * `signatures` is empty). `undefined` when it is not a VERSION reply.
 */
export function parseVersionReply(raw: string): EngineVersion | undefined {
  const reply = raw.replace(/\0+$/, '').trim();
  const match = /^(ClamAV [^/\s]+)(?:\/(.+))?$/.exec(reply);
  if (!match) return undefined;
  return { engine: match[1]!, signatures: match[2]?.trim() ?? '' };
}
