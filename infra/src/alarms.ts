import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { DLQ_RETENTION, QUEUE_NAMES, type Queues } from './queues.ts';

/** Dead letters are worth a look well before SQS drops them. */
const DLQ_AGE_WARNING = DLQ_RETENTION.minus(Duration.days(4));
/**
 * A webhook job waits out the receiver's outage on purpose: the notifier's
 * default retry delays (WEBHOOK_RETRY_DELAYS_SECONDS) add up to about 1 h 42 min.
 */
const WEBHOOK_RETRY_WINDOW = Duration.hours(2);

/**
 * Per queue: a dead letter arrived; a dead letter is close to expiring; the
 * source's oldest message is older than a worker should ever let it get.
 * All notify one SNS topic (subscribe an email with `alarmEmail`).
 */
export class PipelineAlarms extends Construct {
  readonly topic: sns.Topic;

  constructor(
    scope: Construct,
    id: string,
    deps: { queues: Queues; oldestMessageAlarmSeconds: number; alarmEmail: string | undefined },
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
      for (const alarm of alarms) {
        alarm.addAlarmAction(notify);
        alarm.addOkAction(notify);
      }
    }
  }
}
