import { findAllowedType } from '../type-policy.ts';

/**
 * What clamd said about the bytes; anything short of an answer is an error, never a verdict.
 * `limits_exceeded`: not scanned whole (`Heuristics.Limits.*`). `encrypted`: not
 * readable at all, a password-protected document or archive (`Heuristics.Encrypted.*`).
 */
export type ScanResult = 'clean' | 'infected' | 'limits_exceeded' | 'encrypted';

/**
 * For bytes clamd could not scan (a limit hit, encrypted content):
 * `quarantine`: quarantined like a hit.
 * `hold`: they stay `verified` (never served, never processed) for a person to decide.
 */
export type LimitsPolicy = 'quarantine' | 'hold';

export type ScanDecision =
  | { readonly next: 'clean'; readonly then: 'media' | 'ready' }
  | { readonly next: 'quarantined'; readonly reason: string }
  | { readonly next: 'hold'; readonly reason: string };

/** Fail closed: only a definite clean answer lets bytes move on. */
export function decideAfterScan(
  verdict: { result: ScanResult; signature?: string | undefined },
  contentType: string,
  limits: LimitsPolicy,
): ScanDecision {
  switch (verdict.result) {
    case 'clean':
      return {
        next: 'clean',
        then: findAllowedType(contentType)?.category === 'images' ? 'media' : 'ready',
      };
    case 'infected':
      return { next: 'quarantined', reason: verdict.signature ?? 'infected' };
    case 'limits_exceeded':
      return unscanned(`scan_limits_exceeded: ${verdict.signature ?? 'unknown limit'}`, limits);
    case 'encrypted':
      return unscanned(`encrypted_content: ${verdict.signature ?? 'Heuristics.Encrypted'}`, limits);
  }
}

/** Content clamd could not read is never clean: quarantined, or held for a person. */
function unscanned(reason: string, limits: LimitsPolicy): ScanDecision {
  return limits === 'quarantine' ? { next: 'quarantined', reason } : { next: 'hold', reason };
}
