import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { plainImage } from '@airlock/imaging/testing';
import {
  fileOf,
  MetricsScrape,
  stackMetricsPages,
  StackClients,
  until,
  waitForState,
} from '@airlock/testing';

// The Grafana dashboard (infra/grafana) against what the running stack
// serves: every metric it queries exists with the type its queries assume,
// and the series its panels group by are there once the pipeline has worked.
const DASHBOARD = fileURLToPath(
  new URL('../../../infra/grafana/dashboards/airlock.json', import.meta.url),
);
const CONSUMERS = {
  'upload-events': 'verifier',
  'scan-jobs': 'scanner',
  'media-jobs': 'media',
  'webhook-jobs': 'notifier',
} as const;
const QUEUES = Object.keys(CONSUMERS) as (keyof typeof CONSUMERS)[];

/** Every metric name the dashboard's queries select (series names: `_bucket` included). */
function dashboardMetrics(): string[] {
  const { panels } = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    panels: { targets?: { expr: string }[] }[];
  };
  const exprs = panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
  return [
    ...new Set(exprs.flatMap((expr) => expr.match(/\b(?:airlock|process|nodejs)_\w+/g) ?? [])),
  ];
}

/**
 * One stage's pages (one per replica) read as one: its `service` label, the
 * samples summed, and each family's `# TYPE`.
 */
type Page = { service: string; scrape: MetricsScrape; types: Map<string, string> };

async function scrapeAll(): Promise<Page[]> {
  return Promise.all(
    Object.values(stackMetricsPages()).map(async (urls) => {
      const texts = await Promise.all(
        urls.map(async (url) => {
          const response = await fetch(url);
          expect(response.status).toBe(200);
          return response.text();
        }),
      );
      const text = texts.join('\n');
      const scrape = new MetricsScrape(text);
      return {
        service: scrape.labelSets('process_cpu_seconds_total')[0]?.service ?? urls[0]!,
        scrape,
        types: new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!])),
      };
    }),
  );
}

const pageOf = (pages: Page[], service: string) => pages.find((page) => page.service === service)!;
/** Whether `page` has a sample of `name` carrying every one of `labels`. */
const hasSeries = (page: Page, name: string, labels: Record<string, string>) =>
  page.scrape
    .labelSets(name)
    .some((set) => Object.entries(labels).every(([label, value]) => set[label] === value));

const stack = new StackClients();
let receiver: Server;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
  await stack.close();
});

describe("the stack's /metrics cover the Grafana dashboard", () => {
  it('every process labels its metrics with its service, which the service variable lists', async () => {
    const services = (await scrapeAll()).map((page) => page.service);
    expect(services.sort()).toEqual(['media', 'notifier', 'scanner', 'upload-api', 'verifier']);
  });

  it('every metric the dashboard queries is exported, with the type its query assumes', async () => {
    const pages = await scrapeAll();
    const typeOf = (family: string) =>
      pages.map((page) => page.types.get(family)).find((type) => type !== undefined);
    const exported = dashboardMetrics().map((name) => {
      const family = name.replace(/_(bucket|count|sum)$/, '');
      const histogram = name !== family && typeOf(family) === 'histogram';
      return { name, type: histogram ? 'histogram' : (typeOf(name) ?? 'not exported') };
    });
    // By Prometheus' naming: a histogram's series, a counter's `_total`, the rest gauges.
    const named = (name: string) =>
      /_(bucket|count|sum)$/.test(name)
        ? 'histogram'
        : name.endsWith('_total')
          ? 'counter'
          : 'gauge';
    expect(exported).toEqual(exported.map(({ name }) => ({ name, type: named(name) })));
  });

  describe('after an image goes through the whole pipeline, with a webhook', () => {
    beforeAll(async () => {
      const tenant = await stack.tenant();
      const { port } = receiver.address() as AddressInfo;
      await stack.registerWebhook(tenant, `http://127.0.0.1:${port}/hooks`);
      const image = fileOf(await plainImage('jpeg', 320, 240));
      const { uploadId } = await stack.uploadThroughApi(tenant, image, 'image/jpeg');
      await waitForState(stack.uploads, uploadId, ['ready'], 60_000);
      // Its own delivery, not any the notifier counted: one still pending when
      // the receiver closes would retry into a later file's DLQ counts.
      await until('the webhook delivered', async () => {
        const { rows } = await stack.pool.query(
          'SELECT 1 FROM webhook_deliveries WHERE upload_id = $1 AND delivered_at IS NOT NULL',
          [uploadId],
        );
        return rows.length > 0 ? true : undefined;
      });
    });

    it('each queue counts a done message, its handling and its wait, in its own consumer', async () => {
      const pages = await until('every consumer to count a done message', async () => {
        const all = await scrapeAll();
        const done = QUEUES.every(
          (queue) =>
            pageOf(all, CONSUMERS[queue]).scrape.value('airlock_queue_messages_total', {
              queue,
              outcome: 'done',
            }) > 0,
        );
        return done ? all : undefined;
      });
      for (const queue of QUEUES) {
        const { scrape } = pageOf(pages, CONSUMERS[queue]);
        expect({
          queue,
          handled: scrape.value('airlock_queue_message_handling_seconds_count', { queue }) > 0,
          waited: scrape.value('airlock_queue_message_wait_seconds_count', { queue }) > 0,
        }).toEqual({ queue, handled: true, waited: true });
      }
    });

    it("each queue's and DLQ's depth, and each queue's oldest age, come from one process: its consumer", async () => {
      const sampled = (pages: Page[], name: string, labels: Record<string, string>) =>
        pages.filter((page) => hasSeries(page, name, labels)).map((page) => page.service);
      const pages = await until('every queue sampled', async () => {
        const all = await scrapeAll();
        const every = QUEUES.every(
          (queue) =>
            sampled(all, 'airlock_queue_depth', { queue: `${queue}-dlq`, state: 'visible' })
              .length > 0 &&
            sampled(all, 'airlock_queue_oldest_message_age_seconds', { queue }).length > 0,
        );
        return every ? all : undefined;
      });
      for (const queue of QUEUES) {
        const consumer = [CONSUMERS[queue]];
        for (const state of ['visible', 'in_flight', 'delayed']) {
          expect(sampled(pages, 'airlock_queue_depth', { queue, state })).toEqual(consumer);
          expect(sampled(pages, 'airlock_queue_depth', { queue: `${queue}-dlq`, state })).toEqual(
            consumer,
          );
        }
        expect(sampled(pages, 'airlock_queue_oldest_message_age_seconds', { queue })).toEqual(
          consumer,
        );
      }
    });

    it('the domain panels count it: ready, a clean scan, a render, an upload created, a webhook delivered', async () => {
      const pages = await until('the webhook delivery', async () => {
        const all = await scrapeAll();
        const delivered = pageOf(all, 'notifier').scrape.value('airlock_webhook_deliveries_total', {
          outcome: 'delivered',
        });
        return delivered > 0 ? all : undefined;
      });
      const counted = (name: string, labels: Record<string, string> = {}) =>
        pages.some((page) => page.scrape.value(name, labels) > 0);
      expect({
        ready: counted('airlock_upload_transitions_total', { to: 'ready' }),
        clean: counted('airlock_scan_verdicts_total', { result: 'clean' }),
        scanned: counted('airlock_scan_duration_seconds_count'),
        rendered: counted('airlock_render_duration_seconds_count'),
        requested: counted('airlock_http_request_duration_seconds_count', { route: '/v1/uploads' }),
        created: counted('airlock_upload_requests_total', { outcome: 'created' }),
        delivery: counted('airlock_webhook_delivery_duration_seconds_count'),
      }).toEqual({
        ready: true,
        clean: true,
        scanned: true,
        rendered: true,
        requested: true,
        created: true,
        delivery: true,
      });
    });
  });
});
