import { DEFAULT_SETTINGS, readSettings } from '../src/settings.ts';
import { resourcesOf, synth } from './support/synth.ts';

// `s3Events`: how the uploads bucket tells upload-events of a new object.
const s3Rules = (template: ReturnType<typeof synth>['template']) =>
  resourcesOf(template, 'AWS::Events::Rule').filter(
    ({ properties }) => properties.EventPattern?.source?.[0] === 'aws.s3',
  );
const allowStatements = (template: ReturnType<typeof synth>['template']) =>
  resourcesOf(template, 'AWS::SQS::QueuePolicy')
    .flatMap((policy) => policy.properties.PolicyDocument.Statement as Record<string, any>[])
    .filter((statement) => statement.Effect === 'Allow');
const notificationConfig = (template: ReturnType<typeof synth>['template']) =>
  resourcesOf(template, 'Custom::S3BucketNotifications').map(
    ({ properties }) => properties.NotificationConfiguration as Record<string, unknown>,
  );

describe('the s3Events setting', () => {
  const fromContext = (context: Record<string, unknown>) => readSettings((key) => context[key]);

  it('is notification unless eventbridge is asked for; anything else stops the synth', () => {
    expect(DEFAULT_SETTINGS.s3Events).toBe('notification');
    expect(fromContext({ s3Events: 'eventbridge' }).s3Events).toBe('eventbridge');
    expect(() => fromContext({ s3Events: 'sns' })).toThrow(
      's3Events: expected one of notification, eventbridge, got sns',
    );
  });
});

describe('s3Events=notification (the default)', () => {
  const { stack, template } = synth();

  it('sends ObjectCreated as a bucket notification, with no EventBridge rule', () => {
    const queueArn = stack.resolve(stack.queues.byName['upload-events'].queue.queueArn);
    expect(notificationConfig(template)).toEqual([
      {
        QueueConfigurations: [{ Events: ['s3:ObjectCreated:*'], QueueArn: queueArn }],
      },
    ]);
    expect(s3Rules(template)).toEqual([]);
    expect(allowStatements(template).map((s) => s.Principal)).toEqual([
      { Service: 's3.amazonaws.com' },
    ]);
  });
});

describe('s3Events=eventbridge', () => {
  const { stack, template } = synth({ s3Events: 'eventbridge' });
  const queue = stack.queues.byName['upload-events'].queue;

  it('turns on EventBridge for the uploads bucket, and no queue notification', () => {
    expect(notificationConfig(template)).toEqual([{ EventBridgeConfiguration: {} }]);
  });

  it('routes only Object Created of the uploads bucket to upload-events', () => {
    const [rule, ...others] = s3Rules(template);
    expect(others).toEqual([]);
    expect(rule!.properties).toMatchObject({
      State: 'ENABLED',
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [stack.resolve(stack.storage.uploads.bucketName)] } },
      },
      Targets: [{ Arn: stack.resolve(queue.queueArn) }],
    });
  });

  // aws-cdk-lib's SqsQueue target grants SendMessage with GetQueueAttributes
  // and GetQueueUrl, to EventBridge for this rule only.
  it('lets only that rule send to upload-events (no S3 statement)', () => {
    const [rule] = s3Rules(template);
    expect(allowStatements(template)).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        Resource: stack.resolve(queue.queueArn),
        Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [rule!.id, 'Arn'] } } },
      },
    ]);
  });
});
