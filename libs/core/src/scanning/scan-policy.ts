import { findAllowedType } from '../type-policy.ts';

/** What clamd said about the bytes; anything short of an answer is an error, never a verdict. */
export type ScanResult = 'clean' | 'infected' | 'limits_exceeded';

/**
 * `quarantine`: bytes clamd could not scan whole are quarantined like a hit.
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
    case 'limits_exceeded': {
      const reason = `scan_limits_exceeded: ${verdict.signature ?? 'unknown limit'}`;
      return limits === 'quarantine' ? { next: 'quarantined', reason } : { next: 'hold', reason };
    }
  }
}
