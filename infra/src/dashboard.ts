import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import {
  API_5XX_ALARM_PERCENT,
  api5xxPercent,
  DB_FREE_STORAGE_ALARM_BYTES,
  DLQ_AGE_WARNING,
} from './alarms.ts';
import { QUEUE_NAMES, type Queues } from './queues.ts';
import type { AppName } from './settings.ts';

export type DashboardDeps = {
  readonly queues: Queues;
  readonly services: readonly { app: AppName; service: ecs.BaseService }[];
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  readonly database: rds.IDatabaseInstance | undefined;
  readonly alarms: readonly cloudwatch.IAlarm[];
  readonly oldestMessageAlarmSeconds: number;
};

const PERIOD = Duration.minutes(1);
const FULL = 24;
const RED = cloudwatch.Color.RED;
const alarmLine = (value: number, label: string): cloudwatch.HorizontalAnnotation => ({
  value,
  label,
  color: RED,
});
const graph = (props: cloudwatch.GraphWidgetProps) =>
  new cloudwatch.GraphWidget({ height: 6, leftYAxis: { min: 0 }, ...props });

/**
 * One page for the operator, from AWS's own metrics (the apps' Prometheus
 * metrics are for Grafana, infra/grafana): the alarms' states; per queue
 * and DLQ, messages waiting and their oldest's age; each service's CPU and
 * memory; the API's latency and 5xx; PostgreSQL's CPU, connections, storage
 * and writes. The alarm thresholds are drawn on the graphs they watch.
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, deps: DashboardDeps) {
    super(scope, id);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-operations`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: [...deps.alarms],
        width: FULL,
        height: 3,
      }),
    );
    this.dashboard.addWidgets(...queueWidgets(deps));
    this.dashboard.addWidgets(...deadLetterWidgets(deps.queues));
    this.dashboard.addWidgets(...serviceWidgets(deps.services));
    this.dashboard.addWidgets(...loadBalancerWidgets(deps.loadBalancer));
    this.dashboard.addWidgets(...databaseWidgets(deps.database));
  }
}

function queueWidgets({ queues, oldestMessageAlarmSeconds }: DashboardDeps): cloudwatch.IWidget[] {
  const each = (metric: (name: (typeof QUEUE_NAMES)[number]) => cloudwatch.IMetric) =>
    QUEUE_NAMES.map(metric);
  const options = { period: PERIOD, statistic: 'Maximum' };
  return [
    graph({
      title: 'Queues: messages waiting (visible)',
      width: 8,
      left: each((name) =>
        queues.byName[name].queue.metricApproximateNumberOfMessagesVisible({
          ...options,
          label: name,
        }),
      ),
    }),
    graph({
      title: 'Queues: messages being worked on (not visible)',
      width: 8,
      left: each((name) =>
        queues.byName[name].queue.metricApproximateNumberOfMessagesNotVisible({
          ...options,
          label: name,
        }),
      ),
    }),
    graph({
      title: 'Queues: age of the oldest message (s)',
      width: 8,
      left: each((name) =>
        queues.byName[name].queue.metricApproximateAgeOfOldestMessage({ ...options, label: name }),
      ),
      leftAnnotations: [alarmLine(oldestMessageAlarmSeconds, 'alarm (webhook-jobs: 2 h)')],
    }),
  ];
}

function deadLetterWidgets(queues: Queues): cloudwatch.IWidget[] {
  const options = { period: PERIOD, statistic: 'Maximum' };
  const visible = QUEUE_NAMES.map((name) =>
    queues.byName[name].dlq.metricApproximateNumberOfMessagesVisible({
      ...options,
      label: `${name}-dlq`,
    }),
  );
  return [
    new cloudwatch.SingleValueWidget({
      title: 'Dead letters now (any is an alarm: airlock dlq peek <queue>)',
      metrics: visible,
      width: 8,
      height: 6,
    }),
    graph({
      title: 'DLQs: dead letters',
      width: 8,
      left: visible,
      leftAnnotations: [alarmLine(1, 'alarm')],
    }),
    graph({
      title: 'DLQs: age of the oldest dead letter (s)',
      width: 8,
      left: QUEUE_NAMES.map((name) =>
        queues.byName[name].dlq.metricApproximateAgeOfOldestMessage({
          ...options,
          label: `${name}-dlq`,
        }),
      ),
      leftAnnotations: [alarmLine(DLQ_AGE_WARNING.toSeconds(), 'alarm: expires in 4 days')],
    }),
  ];
}

function serviceWidgets(services: DashboardDeps['services']): cloudwatch.IWidget[] {
  const each = (metric: (service: ecs.BaseService, app: string) => cloudwatch.IMetric) =>
    services.map(({ app, service }) => metric(service, app));
  const options = (label: string) => ({ period: PERIOD, statistic: 'Average', label });
  const percent = { min: 0, max: 100, label: '%', showUnits: false };
  return [
    graph({
      title: 'ECS: CPU utilisation (% of the task size)',
      width: 12,
      left: each((service, app) => service.metricCpuUtilization(options(app))),
      leftYAxis: percent,
    }),
    graph({
      title: 'ECS: memory utilisation (% of the task size)',
      width: 12,
      left: each((service, app) => service.metricMemoryUtilization(options(app))),
      leftYAxis: percent,
    }),
  ];
}

function loadBalancerWidgets(loadBalancer: elbv2.IApplicationLoadBalancer): cloudwatch.IWidget[] {
  const { metrics } = loadBalancer;
  const sum = (label: string) => ({ period: PERIOD, statistic: 'Sum', label });
  return [
    graph({
      title: 'API: target response time (s)',
      width: 8,
      left: ['p50', 'p95', 'p99'].map((statistic) =>
        metrics.targetResponseTime({ period: PERIOD, statistic, label: statistic }),
      ),
    }),
    graph({
      title: 'API: requests and 5xx answers',
      width: 8,
      left: [
        metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, sum('5xx from the API')),
        metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, sum('5xx from the load balancer')),
      ],
      right: [metrics.requestCount(sum('requests'))],
    }),
    graph({
      title: 'API: 5xx (% of requests)',
      width: 8,
      left: [api5xxPercent(loadBalancer, Duration.minutes(5))],
      leftAnnotations: [alarmLine(API_5XX_ALARM_PERCENT, 'alarm')],
    }),
  ];
}

function databaseWidgets(database: rds.IDatabaseInstance | undefined): cloudwatch.IWidget[] {
  if (!database) {
    return [
      new cloudwatch.TextWidget({
        markdown:
          '### PostgreSQL\nThe stack uses your own database (`databaseUrlSecretArn`): watch it where it runs.',
        width: FULL,
        height: 2,
      }),
    ];
  }
  const average = (label: string) => ({ period: PERIOD, statistic: 'Average', label });
  return [
    graph({
      title: 'PostgreSQL: CPU utilisation (%)',
      width: 6,
      left: [database.metricCPUUtilization(average('CPU'))],
      leftYAxis: { min: 0, max: 100 },
    }),
    graph({
      title: 'PostgreSQL: connections',
      width: 6,
      left: [database.metricDatabaseConnections(average('connections'))],
    }),
    graph({
      title: 'PostgreSQL: free storage (bytes)',
      width: 6,
      left: [
        database.metricFreeStorageSpace({ period: PERIOD, statistic: 'Minimum', label: 'free' }),
      ],
      leftAnnotations: [alarmLine(DB_FREE_STORAGE_ALARM_BYTES, 'alarm')],
    }),
    graph({
      title: 'PostgreSQL: writes',
      width: 6,
      left: [database.metricWriteIOPS(average('write IOPS'))],
      right: [database.metric('WriteLatency', average('write latency (s)'))],
      rightYAxis: { min: 0 },
    }),
  ];
}
