import { Match } from 'aws-cdk-lib/assertions';
import { QUEUE_NAMES } from '../src/queues.ts';
import { resourcesOf, synth } from './support/synth.ts';

const { stack, template } = synth({ alarmEmail: 'ops@example.com' });
const queueProps = (queue: { node: { defaultChild?: unknown } }) =>
  template.toJSON().Resources[stack.getLogicalId(queue.node.defaultChild as never)].Properties;
const arnOf = (queue: { queueArn: string }) => stack.resolve(queue.queueArn);

describe('queues', () => {
  it('are the four pipeline queues, each with its own DLQ', () => {
    template.resourceCountIs('AWS::SQS::Queue', 8);
    const names = resourcesOf(template, 'AWS::SQS::Queue').map((q) => q.properties.QueueName);
    expect(names.sort()).toEqual(
      QUEUE_NAMES.flatMap((name) => [`Airlock-${name}`, `Airlock-${name}-dlq`]).sort(),
    );
  });

  it.each(QUEUE_NAMES)('%s dead-letters after maxReceiveCount receives', (name) => {
    const { queue, dlq } = stack.queues.byName[name];
    expect(queueProps(queue).RedrivePolicy).toEqual({
      deadLetterTargetArn: arnOf(dlq),
      maxReceiveCount: 5,
    });
    expect(queueProps(dlq).RedrivePolicy).toBeUndefined();
  });

  it.each(QUEUE_NAMES)('%s-dlq keeps messages longer than its source (14 vs 4 days)', (name) => {
    const { queue, dlq } = stack.queues.byName[name];
    expect(queueProps(queue).MessageRetentionPeriod).toBe(4 * 86400);
    expect(queueProps(dlq).MessageRetentionPeriod).toBe(14 * 86400);
  });

  it.each(QUEUE_NAMES)(
    '%s hides a received message for 10 s by default, like the consumers (WORKER_VISIBILITY_TIMEOUT_SECONDS)',
    (name) => {
      expect(queueProps(stack.queues.byName[name].queue).VisibilityTimeout).toBe(10);
    },
  );

  it('are all encrypted at rest (SSE-SQS)', () => {
    for (const { properties } of resourcesOf(template, 'AWS::SQS::Queue')) {
      expect(properties.SqsManagedSseEnabled).toBe(true);
    }
  });

  it('all deny requests without TLS', () => {
    for (const { queue, dlq } of stack.queues.all) {
      for (const q of [queue, dlq]) {
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [stack.resolve(q.queueUrl)],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: 'Deny',
                Action: 'sqs:*',
                Principal: { AWS: '*' },
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              }),
            ]),
          },
        });
      }
    }
  });
});

describe('upload-events queue policy', () => {
  const statementsAllowing = () =>
    resourcesOf(template, 'AWS::SQS::QueuePolicy')
      .flatMap((policy) => policy.properties.PolicyDocument.Statement as Record<string, any>[])
      .filter((statement) => statement.Effect === 'Allow');

  it('lets only S3, for the uploads bucket in this account, send', () => {
    const uploadEvents = stack.queues.byName['upload-events'].queue;
    expect(statementsAllowing()).toEqual([
      {
        Sid: 'AllowUploadsBucketObjectCreated',
        Effect: 'Allow',
        Principal: { Service: 's3.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: arnOf(uploadEvents),
        Condition: {
          ArnEquals: { 'aws:SourceArn': stack.resolve(stack.storage.uploads.bucketArn) },
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        },
      },
    ]);
  });

  it('exists before the notification that S3 validates against it', () => {
    const notifications = template.findResources('Custom::S3BucketNotifications');
    const dependsOn = Object.values(notifications)[0]!.DependsOn as string[];
    const policyId = stack.getLogicalId(
      stack.queues.byName['upload-events'].queue.node.findChild('Policy').node
        .defaultChild as never,
    );
    expect(dependsOn).toContain(policyId);
  });
});

describe('alarms', () => {
  const alarms = () => resourcesOf(template, 'AWS::CloudWatch::Alarm').map((a) => a.properties);

  it.each(QUEUE_NAMES)('%s-dlq alarms on its first dead letter', (name) => {
    expect(alarms()).toContainEqual(
      expect.objectContaining({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Dimensions: [
          { Name: 'QueueName', Value: stack.resolve(stack.queues.byName[name].dlq.queueName) },
        ],
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'ignore',
      }),
    );
  });

  it.each(QUEUE_NAMES)('%s-dlq alarms four days before a dead letter expires', (name) => {
    expect(alarms()).toContainEqual(
      expect.objectContaining({
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [
          { Name: 'QueueName', Value: stack.resolve(stack.queues.byName[name].dlq.queueName) },
        ],
        Threshold: 10 * 86400,
      }),
    );
  });

  it.each([
    ['upload-events', 900],
    ['scan-jobs', 900],
    ['media-jobs', 900],
    ['webhook-jobs', 7200],
  ] as const)('%s alarms when its oldest message is %i s old', (name, seconds) => {
    expect(alarms()).toContainEqual(
      expect.objectContaining({
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [
          { Name: 'QueueName', Value: stack.resolve(stack.queues.byName[name].queue.queueName) },
        ],
        Threshold: seconds,
        EvaluationPeriods: 2,
        TreatMissingData: 'notBreaching',
      }),
    );
  });

  it('notify one encrypted-transport SNS topic with the configured email', () => {
    const topic = resourcesOf(template, 'AWS::SNS::Topic');
    expect(topic).toHaveLength(1);
    const topicRef = { Ref: topic[0]!.id };
    const queueAlarms = alarms().filter((a) => a.Namespace === 'AWS/SQS');
    expect(queueAlarms).toHaveLength(12);
    for (const alarm of queueAlarms) {
      expect(alarm.AlarmActions).toEqual([topicRef]);
      expect(alarm.OKActions).toEqual([topicRef]);
    }
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: topicRef,
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });
});
