declare module 'parse-prometheus-text-format' {
  /** One sample line of a family (histograms and summaries are grouped further). */
  export type ParsedSample = {
    value?: string;
    labels?: Record<string, string>;
  };
  export type ParsedFamily = {
    name: string;
    help: string;
    type: string;
    metrics: ParsedSample[];
  };
  export default function parsePrometheusTextFormat(text: string): ParsedFamily[];
}
