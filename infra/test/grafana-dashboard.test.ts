import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from '../src/images.ts';
import { APP_NAMES } from '../src/settings.ts';

const GRAFANA = join(REPO_ROOT, 'infra/grafana');
const read = (path: string) => readFileSync(join(GRAFANA, path), 'utf8');

type Target = { refId: string; expr: string; datasource?: { uid?: string } };
type Panel = {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  fieldConfig?: {
    defaults?: { thresholds?: { steps: { color: string; value: number | null }[] } };
  };
};
type Variable = { name: string; type: string; query: unknown; includeAll?: boolean };
const dashboard = JSON.parse(read('dashboards/airlock.json')) as {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
};
const panels = dashboard.panels.filter((panel) => panel.type !== 'row');
const targets = panels.flatMap((panel) =>
  (panel.targets ?? []).map((target) => ({ panel, target })),
);

/**
 * The metric catalogue of issue 17 (docs/operations.md, Metrics), by family
 * and type, plus the prom-client process defaults the dashboard reads
 * (`airlock_queue_oldest_message_age_seconds` is for source queues only). The
 * metrics are defined where they are recorded (upload-api, libs/sqs,
 * libs/runtime, libs/worker), with no one list to import: this copy is
 * checked against the running stack's /metrics by
 * apps/ops/test/dashboard-metrics.test.ts.
 */
const CATALOGUE: Readonly<Record<string, 'counter' | 'gauge' | 'histogram'>> = {
  airlock_http_request_duration_seconds: 'histogram',
  airlock_upload_requests_total: 'counter',
  airlock_queue_messages_total: 'counter',
  airlock_queue_message_handling_seconds: 'histogram',
  airlock_queue_message_wait_seconds: 'histogram',
  airlock_queue_messages_in_flight: 'gauge',
  airlock_upload_transitions_total: 'counter',
  airlock_verification_failures_total: 'counter',
  airlock_scan_verdicts_total: 'counter',
  airlock_scan_duration_seconds: 'histogram',
  airlock_scanned_bytes_total: 'counter',
  airlock_render_duration_seconds: 'histogram',
  airlock_rendered_bytes_total: 'counter',
  airlock_webhook_deliveries_total: 'counter',
  airlock_webhook_delivery_duration_seconds: 'histogram',
  airlock_outbox_backlog: 'gauge',
  airlock_outbox_oldest_age_seconds: 'gauge',
  airlock_queue_depth: 'gauge',
  airlock_queue_oldest_message_age_seconds: 'gauge',
  process_cpu_seconds_total: 'counter',
  process_resident_memory_bytes: 'gauge',
  nodejs_eventloop_lag_seconds: 'gauge',
  nodejs_eventloop_lag_p99_seconds: 'gauge',
};
const HISTOGRAM_SERIES = /_(bucket|count|sum)$/;

/** Grafana's variables replaced by values of the same kind, so the text is plain PromQL. */
function asPromQL(expr: string): string {
  return expr
    .replaceAll(/\$__(rate_interval|interval|range)\b/g, '5m')
    .replaceAll(/\$\{?(\w+)\}?/g, (_, name: string) => `${name}_value`);
}

/** Syntax errors the parser recovered from, and the metric names the query selects. */
function analyse(expr: string): { errors: string[]; metrics: string[] } {
  const errors: string[] = [];
  const metrics: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) errors.push(`at ${node.from}: "${expr.slice(node.from, node.to)}"`);
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') {
        metrics.push(expr.slice(node.from, node.to));
      }
    },
  });
  return { errors, metrics };
}

/** `x_bucket` → `x` when `x` is a histogram: the family a series belongs to. */
const familyOf = (series: string): string => {
  const family = series.replace(HISTOGRAM_SERIES, '');
  return CATALOGUE[family] === 'histogram' ? family : series;
};

const queried = targets.map(({ panel, target }) => ({
  panel: panel.title,
  expr: target.expr,
  ...analyse(asPromQL(target.expr)),
}));

describe('the Grafana dashboard (infra/grafana/dashboards/airlock.json)', () => {
  it('has a stable uid, a title and a schema version', () => {
    expect(dashboard.uid).toBe('airlock-pipeline');
    expect(dashboard.title).toBeTruthy();
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
  });

  it('gives every panel, rows included, its own id', () => {
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('lays the panels out on the 24-column grid without overlaps', () => {
    const cells = new Map<string, string>();
    for (const { title, gridPos } of dashboard.panels) {
      expect(gridPos.x).toBeGreaterThanOrEqual(0);
      expect(gridPos.w).toBeGreaterThan(0);
      expect(gridPos.h).toBeGreaterThan(0);
      expect(gridPos.x + gridPos.w).toBeLessThanOrEqual(24);
      for (let x = gridPos.x; x < gridPos.x + gridPos.w; x++) {
        for (let y = gridPos.y; y < gridPos.y + gridPos.h; y++) {
          const taken = cells.get(`${x},${y}`);
          if (taken) throw new Error(`"${title}" overlaps "${taken}" at ${x},${y}`);
          cells.set(`${x},${y}`, title);
        }
      }
    }
  });

  it('queries the chosen Prometheus data source from every panel and target', () => {
    expect(panels.length).toBeGreaterThan(20);
    for (const panel of panels) {
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.targets?.length).toBeGreaterThan(0);
      const refIds = panel.targets!.map((target) => target.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
      for (const target of panel.targets!) {
        expect(target.datasource?.uid).toBe('${datasource}');
        expect(target.expr.trim()).not.toBe('');
      }
    }
  });

  it('offers a data source, service and queue variable, and uses no other', () => {
    const variables = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v]));
    expect(variables.datasource).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(variables.service).toMatchObject({ type: 'query', includeAll: true });
    expect(variables.queue).toMatchObject({ type: 'query', includeAll: true });
    const used = new Set(
      targets.flatMap(({ target }) =>
        [...target.expr.matchAll(/\$\{?(\w+)\}?/g)].map((match) => match[1]!),
      ),
    );
    const builtIn = (name: string) => name.startsWith('__');
    expect([...used].filter((name) => !builtIn(name)).sort()).toEqual(['queue', 'service']);
    for (const variable of [variables.service!, variables.queue!]) {
      const query = (variable.query as { query: string }).query;
      expect(analyse(asPromQL(query.replace(/^label_values\((.+), \w+\)$/, '$1'))).errors).toEqual(
        [],
      );
    }
  });

  it.each(queried.map((q) => [q.panel, q.expr, q] as const))(
    '%s: `%s` is valid PromQL',
    (_, __, { errors, metrics }) => {
      expect(errors).toEqual([]);
      expect(metrics.length).toBeGreaterThan(0);
    },
  );

  it('queries only metrics of the catalogue, each as its type allows', () => {
    for (const { expr, metrics } of queried) {
      for (const series of metrics) {
        const family = familyOf(series);
        expect({ expr, family, known: family in CATALOGUE }).toEqual({ expr, family, known: true });
        // A counter only through rate() or increase(); a histogram's buckets only through histogram_quantile().
        if (CATALOGUE[family] === 'counter' || series !== family) {
          expect(expr).toMatch(new RegExp(`(rate|increase)\\(${series}\\b`));
        }
        if (series.endsWith('_bucket')) expect(expr).toMatch(/^histogram_quantile\(/);
      }
    }
  });

  it('shows every metric of the catalogue', () => {
    const shown = new Set(queried.flatMap(({ metrics }) => metrics.map(familyOf)));
    expect(Object.keys(CATALOGUE).filter((family) => !shown.has(family))).toEqual([]);
  });

  it("shows every queue's depth and oldest age, every DLQ's depth, a dead letter in red", () => {
    const dlqPanels = panels.filter((panel) =>
      panel.targets!.some((t) => /airlock_queue_depth\{queue=~"\.\*-dlq"/.test(t.expr)),
    );
    expect(dlqPanels.map((panel) => panel.type).sort()).toEqual(['stat', 'timeseries']);
    for (const panel of dlqPanels) {
      expect(panel.fieldConfig?.defaults?.thresholds?.steps).toEqual([
        { color: 'green', value: null },
        { color: 'red', value: 1 },
      ]);
    }
    const exprs = targets.map(({ target }) => target.expr);
    const sourceQueues = '{queue=~"$queue", queue!~".*-dlq"}';
    for (const metric of ['airlock_queue_depth', 'airlock_queue_oldest_message_age_seconds']) {
      expect(exprs.filter((e) => e.includes(`${metric}${sourceQueues}`))).not.toEqual([]);
    }
    // A DLQ has no consumer to meet its oldest message: its age is CloudWatch's alone.
    expect(
      exprs.filter((e) => /airlock_queue_oldest_message_age_seconds\{queue=~"\.\*-dlq"/.test(e)),
    ).toEqual([]);
  });

  it('gives p50, p95 and p99 of every histogram it reads, by its labels', () => {
    const quantiles = new Map<string, Set<string>>();
    for (const { expr } of queried) {
      const match = /^histogram_quantile\((0\.\d+), sum by \(le\b.*\(rate\((\w+)_bucket/.exec(expr);
      if (match) quantiles.set(match[2]!, (quantiles.get(match[2]!) ?? new Set()).add(match[1]!));
    }
    const histograms = Object.keys(CATALOGUE).filter((f) => CATALOGUE[f] === 'histogram');
    expect([...quantiles.keys()].sort()).toEqual(histograms.sort());
    for (const found of quantiles.values())
      expect([...found].sort()).toEqual(['0.5', '0.95', '0.99']);
  });
});

describe('Grafana provisioning and the local Prometheus', () => {
  it('provisions a default Prometheus data source', () => {
    const { datasources } = parseYaml(read('provisioning/datasources/prometheus.yml')) as {
      datasources: Record<string, unknown>[];
    };
    expect(datasources).toEqual([
      expect.objectContaining({ type: 'prometheus', access: 'proxy', isDefault: true }),
    ]);
  });

  it('loads the dashboards folder that the documented mount puts the JSON in', () => {
    const { providers } = parseYaml(read('provisioning/dashboards/airlock.yml')) as {
      providers: { type: string; options: { path: string } }[];
    };
    expect(providers).toEqual([
      expect.objectContaining({
        type: 'file',
        options: { path: '/etc/airlock-grafana/dashboards' },
      }),
    ]);
  });

  it('scrapes every app of the local stack, once each', () => {
    const config = parseYaml(read('prometheus.yml')) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    expect(config.scrape_configs.map((job) => job.job_name).sort()).toEqual([...APP_NAMES].sort());
    const targets = config.scrape_configs.flatMap((job) => job.static_configs[0]!.targets);
    expect(new Set(targets).size).toBe(APP_NAMES.length);
  });
});
