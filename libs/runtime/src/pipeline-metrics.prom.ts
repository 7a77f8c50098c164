import type {
  PipelineMetrics,
  ScanResult,
  UploadState,
  VerdictSource,
  WebhookDeliveryOutcome,
} from '@airlock/core';
import { Counter, Histogram, type Registry } from 'prom-client';

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * core's {@link PipelineMetrics} as Prometheus metrics in the process's
 * registry (one instance per registry). Labelled children are cached by
 * prom-client; the label sets are small and closed.
 */
export class PromPipelineMetrics implements PipelineMetrics {
  readonly #transitions: Counter<'from' | 'to'>;
  readonly #verificationFailures: Counter<'reason'>;
  readonly #verdicts: Counter<'result' | 'source'>;
  readonly #scanSeconds: Histogram<'source'>;
  readonly #scannedBytes: Counter;
  readonly #renderSeconds: Histogram;
  readonly #renderedBytes: Counter;
  readonly #deliveries: Counter<'outcome'>;
  readonly #deliverySeconds: Histogram;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#transitions = new Counter({
      name: 'airlock_upload_transitions_total',
      help: 'Upload state changes made by this process, by from and to state.',
      labelNames: ['from', 'to'] as const,
      registers,
    });
    this.#verificationFailures = new Counter({
      name: 'airlock_verification_failures_total',
      help: 'Bytes the verifier turned away (upload rejected, or unknown object quarantined), by reason.',
      labelNames: ['reason'] as const,
      registers,
    });
    this.#verdicts = new Counter({
      name: 'airlock_scan_verdicts_total',
      help: 'Scan verdicts reached, by result and whether clamd scanned or a clean verdict was reused.',
      labelNames: ['result', 'source'] as const,
      registers,
    });
    this.#scanSeconds = new Histogram({
      name: 'airlock_scan_duration_seconds',
      help: 'Time to reach a verdict (streaming the object to clamd, or reading it through for a reuse).',
      labelNames: ['source'] as const,
      buckets: SECONDS,
      registers,
    });
    this.#scannedBytes = new Counter({
      name: 'airlock_scanned_bytes_total',
      help: 'Bytes streamed to clamd.',
      registers,
    });
    this.#renderSeconds = new Histogram({
      name: 'airlock_render_duration_seconds',
      help: 'Time to render every rendition of one original.',
      buckets: SECONDS,
      registers,
    });
    this.#renderedBytes = new Counter({
      name: 'airlock_rendered_bytes_total',
      help: 'Bytes of originals read by the renderer.',
      registers,
    });
    this.#deliveries = new Counter({
      name: 'airlock_webhook_deliveries_total',
      help: 'Webhook attempts, by outcome (delivered: 2xx; retried: the queue tries again; failed: never again).',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.#deliverySeconds = new Histogram({
      name: 'airlock_webhook_delivery_duration_seconds',
      help: 'Time of one webhook attempt, from the POST to its answer or failure.',
      buckets: SECONDS,
      registers,
    });
  }

  moved(from: UploadState, to: UploadState): void {
    this.#transitions.labels(from, to).inc();
  }

  verificationFailed(reason: string): void {
    this.#verificationFailures.labels(reason).inc();
  }

  scanned(verdict: {
    result: ScanResult;
    source: VerdictSource;
    seconds: number;
    bytes: number;
  }): void {
    this.#verdicts.labels(verdict.result, verdict.source).inc();
    this.#scanSeconds.labels(verdict.source).observe(verdict.seconds);
    this.#scannedBytes.inc(verdict.bytes);
  }

  rendered(rendering: { seconds: number; bytes: number }): void {
    this.#renderSeconds.observe(rendering.seconds);
    this.#renderedBytes.inc(rendering.bytes);
  }

  webhookDelivery(outcome: WebhookDeliveryOutcome, seconds: number): void {
    this.#deliveries.labels(outcome).inc();
    this.#deliverySeconds.observe(seconds);
  }
}
