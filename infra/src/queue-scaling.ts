import { Duration } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { TaskRange } from './settings.ts';

/**
 * Messages waiting plus messages being worked on. Visible alone reads 0 while
 * every task is busy, which would scale a working service in.
 */
export function backlogMetric(queue: sqs.IQueue): cloudwatch.IMetric {
  const period = Duration.minutes(1);
  return new cloudwatch.MathExpression({
    label: 'backlog (visible + in flight)',
    expression: 'visible + inFlight',
    usingMetrics: {
      visible: queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      inFlight: queue.metricApproximateNumberOfMessagesNotVisible({
        period,
        statistic: 'Maximum',
      }),
    },
    period,
  });
}

/**
 * Task counts by backlog, as exact capacities: empty → the minimum (0 allowed),
 * any message → at least one task, `perTask` → half the maximum, four times
 * that → the maximum. Exact bands cannot ratchet up the way repeated
 * "+1 while above" steps do on a queue that is merely busy.
 */
export function backlogSteps(range: TaskRange, perTask: number): appscaling.ScalingInterval[] {
  const one = Math.max(range.min, 1);
  const half = Math.max(one, Math.ceil(range.max / 2));
  return [
    { upper: 0, change: range.min },
    { lower: 1, change: one },
    { lower: perTask, change: half },
    { lower: perTask * 4, change: range.max },
  ];
}

export function scaleOnBacklog(
  service: ecs.FargateService,
  queue: sqs.IQueue,
  range: TaskRange,
  perTask: number,
): void {
  service
    .autoScaleTaskCount({ minCapacity: range.min, maxCapacity: range.max })
    .scaleOnMetric('Backlog', {
      metric: backlogMetric(queue),
      adjustmentType: appscaling.AdjustmentType.EXACT_CAPACITY,
      scalingSteps: backlogSteps(range, perTask),
      cooldown: Duration.minutes(1),
    });
}
