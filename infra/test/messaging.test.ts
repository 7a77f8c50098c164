import { Match } from 'aws-cdk-lib/assertions';
import type * as rds from 'aws-cdk-lib/aws-rds';
import { APP_NAMES } from '../src/settings.ts';
import { QUEUE_NAMES } from '../src/queues.ts';
import { dashboardWidgets, metricLines, tokenText } from './support/dashboard.ts';
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

const database = () => stack.node.findChild('Database') as rds.DatabaseInstance;
const loadBalancerName = () => stack.resolve(stack.api.loadBalancer.loadBalancerFullName);

describe('alarms beyond the queues', () => {
  const alarmNamed = (prefix: string) =>
    resourcesOf(template, 'AWS::CloudWatch::Alarm').find((a) => a.id.startsWith(prefix))!
      .properties;
  const topicRef = () => ({ Ref: resourcesOf(template, 'AWS::SNS::Topic')[0]!.id });

  it("the API's 5xx, its own and the load balancer's, over 5% of at least 20 requests for 10 minutes", () => {
    const alarm = alarmNamed('Alarmsapi5xxrate');
    expect(alarm).toMatchObject({
      Threshold: 5,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 2,
      TreatMissingData: 'notBreaching',
      AlarmActions: [topicRef()],
      OKActions: [topicRef()],
    });
    const byId = Object.fromEntries(
      (alarm.Metrics as Record<string, any>[]).map((metric) => [metric.Id, metric]),
    );
    expect(byId.expr_1.Expression).toBe(
      'IF((FILL(requests, 0) + FILL(elb5xx, 0)) >= 20, ' +
        '100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / (FILL(requests, 0) + FILL(elb5xx, 0)), 0)',
    );
    for (const [id, name] of [
      ['requests', 'RequestCount'],
      ['target5xx', 'HTTPCode_Target_5XX_Count'],
      ['elb5xx', 'HTTPCode_ELB_5XX_Count'],
    ] as const) {
      expect(byId[id].MetricStat).toEqual({
        Metric: {
          Namespace: 'AWS/ApplicationELB',
          MetricName: name,
          Dimensions: [{ Name: 'LoadBalancer', Value: loadBalancerName() }],
        },
        Stat: 'Sum',
        Period: 300,
      });
    }
  });

  it('PostgreSQL under 2 GiB free for 15 minutes', () => {
    expect(alarmNamed('Alarmsdatabasefreestorage')).toMatchObject({
      Namespace: 'AWS/RDS',
      MetricName: 'FreeStorageSpace',
      Dimensions: [
        { Name: 'DBInstanceIdentifier', Value: stack.resolve(database().instanceIdentifier) },
      ],
      Statistic: 'Minimum',
      Threshold: 2 * 1024 ** 3,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 3,
      AlarmActions: [topicRef()],
      OKActions: [topicRef()],
    });
  });
});

describe('operations dashboard', () => {
  const widgets = dashboardWidgets(template);
  const lines = metricLines(widgets);
  /** Titles of the widgets that graph `metric` (namespace, name, dimension pairs) with `stat`. */
  const graphing = (metric: unknown[], stat?: string) =>
    lines
      .filter(
        (line) =>
          JSON.stringify(line.metric) === JSON.stringify(metric.map(tokenText)) &&
          // A dashboard line without `stat` is an average.
          (stat === undefined || (line.options.stat ?? 'Average') === stat),
      )
      .map((line) => line.title);

  it('is named after the stack', () => {
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: 'Airlock-operations',
    });
  });

  it('shows the state of every alarm that notifies the topic (not the scaling ones)', () => {
    const alarmWidget = widgets.find((widget) => widget.type === 'alarm')!;
    const topic = resourcesOf(template, 'AWS::SNS::Topic')[0]!.id;
    const alarmArns = resourcesOf(template, 'AWS::CloudWatch::Alarm')
      .filter((alarm) => alarm.properties.AlarmActions?.[0]?.Ref === topic)
      .map((alarm) => `{{${alarm.id}.Arn}}`);
    expect(alarmArns).toHaveLength(14);
    expect([...alarmWidget.properties.alarms!].sort()).toEqual(alarmArns.sort());
  });

  it.each(QUEUE_NAMES)('graphs %s and its DLQ: messages waiting, in flight, oldest age', (name) => {
    const { queue, dlq } = stack.queues.byName[name];
    const sqs = (metric: string, q: typeof queue) => [
      'AWS/SQS',
      metric,
      'QueueName',
      stack.resolve(q.queueName),
    ];
    expect(graphing(sqs('ApproximateNumberOfMessagesVisible', queue), 'Maximum')).toHaveLength(1);
    expect(graphing(sqs('ApproximateNumberOfMessagesNotVisible', queue), 'Maximum')).toHaveLength(
      1,
    );
    expect(graphing(sqs('ApproximateAgeOfOldestMessage', queue), 'Maximum')).toHaveLength(1);
    // A single value (now) and a graph (since when) of its dead letters.
    expect(graphing(sqs('ApproximateNumberOfMessagesVisible', dlq), 'Maximum')).toHaveLength(2);
    expect(graphing(sqs('ApproximateAgeOfOldestMessage', dlq), 'Maximum')).toHaveLength(1);
  });

  it('draws the alarm thresholds on the graphs they watch', () => {
    const thresholds = Object.fromEntries(
      widgets.map((widget) => [
        widget.properties.title,
        widget.properties.annotations?.horizontal?.map((line) => line.value),
      ]),
    );
    expect(thresholds).toMatchObject({
      'Queues: age of the oldest message (s)': [900],
      'DLQs: dead letters': [1],
      'DLQs: age of the oldest dead letter (s)': [10 * 86400],
      'API: 5xx (% of requests)': [5],
      'PostgreSQL: free storage (bytes)': [2 * 1024 ** 3],
    });
  });

  it.each(APP_NAMES)('graphs the %s service: CPU and memory', (app) => {
    const service = app === 'upload-api' ? stack.api.service : stack.workers[app].service;
    const ecs = (metric: string) => [
      'AWS/ECS',
      metric,
      'ClusterName',
      stack.resolve(service.cluster.clusterName),
      'ServiceName',
      stack.resolve(service.serviceName),
    ];
    expect(graphing(ecs('CPUUtilization'), 'Average')).toEqual([
      'ECS: CPU utilisation (% of the task size)',
    ]);
    expect(graphing(ecs('MemoryUtilization'), 'Average')).toEqual([
      'ECS: memory utilisation (% of the task size)',
    ]);
  });

  it("graphs the load balancer's latency percentiles and 5xx", () => {
    const alb = (metric: string) => [
      'AWS/ApplicationELB',
      metric,
      'LoadBalancer',
      loadBalancerName(),
    ];
    for (const stat of ['p50', 'p95', 'p99']) {
      expect(graphing(alb('TargetResponseTime'), stat)).toEqual(['API: target response time (s)']);
    }
    for (const metric of ['HTTPCode_Target_5XX_Count', 'HTTPCode_ELB_5XX_Count', 'RequestCount']) {
      expect(graphing(alb(metric), 'Sum')).toContain('API: requests and 5xx answers');
    }
  });

  it("graphs PostgreSQL's CPU, connections, free storage, write IOPS and latency", () => {
    const rdsMetric = (metric: string) => [
      'AWS/RDS',
      metric,
      'DBInstanceIdentifier',
      stack.resolve(database().instanceIdentifier),
    ];
    for (const metric of [
      'CPUUtilization',
      'DatabaseConnections',
      'FreeStorageSpace',
      'WriteIOPS',
      'WriteLatency',
    ]) {
      expect(graphing(rdsMetric(metric))).toHaveLength(1);
    }
  });
});
