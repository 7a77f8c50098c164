import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { DLQ_RETENTION, QUEUE_NAMES, type Queues } from './queues.ts';

/** Dead letters are worth a look well before SQS drops them. */
export const DLQ_AGE_WARNING = DLQ_RETENTION.minus(Duration.days(4));
/**
 * A webhook job waits out the receiver's outage on purpose: the notifier's
 * default retry delays (WEBHOOK_RETRY_DELAYS_SECONDS) add up to about 1 h 42 min.
 */
const WEBHOOK_RETRY_WINDOW = Duration.hours(2);

/** Share of the API's answers that are 5xx (from the tasks or the load balancer) that alarms. */
export const API_5XX_ALARM_PERCENT = 5;
/** Below this many requests in a period a few errors are noise, not an outage. */
export const API_5XX_MIN_REQUESTS = 20;
/**
 * RDS storage autoscaling (20 GiB up to 100 GiB) grows the volume once free
 * space stays under 10% for 5 minutes; still under 2 GiB 15 minutes later
 * means it could not (at its maximum, or within 6 hours of its last growth).
 */
export const DB_FREE_STORAGE_ALARM_BYTES = 2 * 1024 ** 3;

/**
 * 5xx answers as a percentage of requests, 0 below API_5XX_MIN_REQUESTS. The
 * load balancer's own 5xx (no healthy target, a target's timeout) are added to
 * both sides: RequestCount leaves out requests no target was chosen for, so an
 * API that is entirely down still reads 100%.
 */
export function api5xxPercent(
  loadBalancer: elbv2.IApplicationLoadBalancer,
  period: Duration,
): cloudwatch.MathExpression {
  const total = '(FILL(requests, 0) + FILL(elb5xx, 0))';
  return new cloudwatch.MathExpression({
    label: 'API 5xx (% of requests)',
    expression: `IF(${total} >= ${API_5XX_MIN_REQUESTS}, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / ${total}, 0)`,
    usingMetrics: {
      requests: loadBalancer.metrics.requestCount({ period, statistic: 'Sum' }),
      target5xx: loadBalancer.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
        period,
        statistic: 'Sum',
      }),
      elb5xx: loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, {
        period,
        statistic: 'Sum',
      }),
    },
    period,
  });
}

/**
 * Per queue: a dead letter arrived; a dead letter is close to expiring; the
 * source's oldest message is older than a worker should ever let it get.
 * Then the API answering 5xx, and the RDS instance (if the stack made one)
 * running out of storage. All notify one SNS topic (subscribe an email with
 * `alarmEmail`).
 */
export class PipelineAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly all: cloudwatch.Alarm[] = [];

  constructor(
    scope: Construct,
    id: string,
    deps: {
      queues: Queues;
      loadBalancer: elbv2.IApplicationLoadBalancer;
      database: rds.IDatabaseInstance | undefined;
      oldestMessageAlarmSeconds: number;
      alarmEmail: string | undefined;
    },
  ) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'Airlock alarms', enforceSSL: true });
    if (deps.alarmEmail)
      this.topic.addSubscription(new subscriptions.EmailSubscription(deps.alarmEmail));
    const notify = new actions.SnsAction(this.topic);
    const period = Duration.minutes(5);

    for (const name of QUEUE_NAMES) {
      const { queue, dlq } = deps.queues.byName[name];
      const alarms = [
        new cloudwatch.Alarm(this, `${name}-dlq-depth`, {
          alarmDescription: `Dead letters in ${name}-dlq: see \`airlock dlq peek ${name}\``,
          metric: dlq.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          // SQS stops reporting a queue that sees no traffic: keep the last state, not OK.
          treatMissingData: cloudwatch.TreatMissingData.IGNORE,
        }),
        new cloudwatch.Alarm(this, `${name}-dlq-age`, {
          alarmDescription: `A dead letter in ${name}-dlq expires in under 4 days: replay or purge it`,
          metric: dlq.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }),
          threshold: DLQ_AGE_WARNING.toSeconds(),
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.IGNORE,
        }),
        new cloudwatch.Alarm(this, `${name}-oldest-message`, {
          alarmDescription: `${name} is not being worked off: its oldest message is too old`,
          metric: queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }),
          threshold:
            name === 'webhook-jobs'
              ? Math.max(deps.oldestMessageAlarmSeconds, WEBHOOK_RETRY_WINDOW.toSeconds())
              : deps.oldestMessageAlarmSeconds,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 2,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      ];
      this.all.push(...alarms);
    }

    this.all.push(
      new cloudwatch.Alarm(this, 'api-5xx-rate', {
        alarmDescription: `Over ${API_5XX_ALARM_PERCENT}% of the API's answers are 5xx: see its log group and target health`,
        metric: api5xxPercent(deps.loadBalancer, period),
        threshold: API_5XX_ALARM_PERCENT,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    if (deps.database) {
      this.all.push(
        new cloudwatch.Alarm(this, 'database-free-storage', {
          alarmDescription:
            'PostgreSQL has under 2 GiB free and storage autoscaling has not grown it: raise maxAllocatedStorage or free space',
          metric: deps.database.metricFreeStorageSpace({ period, statistic: 'Minimum' }),
          threshold: DB_FREE_STORAGE_ALARM_BYTES,
          comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: 3,
          treatMissingData: cloudwatch.TreatMissingData.MISSING,
        }),
      );
    }
    for (const alarm of this.all) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }
  }
}
