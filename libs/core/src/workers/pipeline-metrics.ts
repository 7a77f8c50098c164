import type { ScanResult } from '../scanning/scan-policy.ts';
import type { UploadState } from '../upload-state.ts';

/** Where a verdict came from: clamd read the bytes, or a clean verdict on the same bytes was reused. */
export type VerdictSource = 'scanned' | 'reused';

/** How one webhook attempt ended: a 2xx, a failure the queue retries, or one it never will. */
export type WebhookDeliveryOutcome = 'delivered' | 'retried' | 'failed';

/**
 * What the pipeline observes as it works, for the operator's metrics. Labels
 * are small closed sets (states, reasons, results): never an upload or
 * customer id. Recording never throws and never waits.
 */
export interface PipelineMetrics {
  /** An upload moved (a compare-and-set that took effect). */
  moved(from: UploadState, to: UploadState): void;
  /** The verifier turned bytes away: rejected the upload or quarantined an unknown object. */
  verificationFailed(reason: string): void;
  /** A verdict reached: how, how long it took and how many bytes clamd read (0 when reused). */
  scanned(verdict: {
    result: ScanResult;
    source: VerdictSource;
    seconds: number;
    bytes: number;
  }): void;
  /** An original rendered: how long, and how many bytes were read. */
  rendered(rendering: { seconds: number; bytes: number }): void;
  /** One webhook POST (or its failure to connect) and how long it took. */
  webhookDelivery(outcome: WebhookDeliveryOutcome, seconds: number): void;
}

/** Records nothing: for code that is not measured (one-off commands, tests that do not look). */
export const NO_PIPELINE_METRICS: PipelineMetrics = {
  moved: () => {},
  verificationFailed: () => {},
  scanned: () => {},
  rendered: () => {},
  webhookDelivery: () => {},
};

/** Seconds since `startMs` (a `performance.now()` reading). */
export const secondsSince = (startMs: number): number => (performance.now() - startMs) / 1000;
