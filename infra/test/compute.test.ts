import { readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { SCAN_MAX_BYTES } from '../src/app-specs.ts';
import { CAPACITY_SETTINGS } from '../src/capacity-settings.ts';
import { RDS_CA_BUNDLE } from '../src/database.ts';
import type { AirlockStack } from '../src/airlock-stack.ts';
import type { WorkerName } from '../src/worker-service.ts';
import { onlyResource, resourcesOf, synth } from './support/synth.ts';

const { stack, template } = synth();
const WORKERS: WorkerName[] = ['verifier', 'scanner', 'media', 'notifier'];
const ref = (construct: { node: { defaultChild?: unknown } }) => ({
  Ref: stack.getLogicalId(construct.node.defaultChild as never),
});

type Container = Record<string, any>;
const taskOf = (task: AirlockStack['api']['task']) =>
  template.toJSON().Resources[stack.getLogicalId(task.node.defaultChild as never)].Properties;
const containersOf = (task: AirlockStack['api']['task']): Container[] =>
  taskOf(task).ContainerDefinitions;
const container = (task: AirlockStack['api']['task'], name: string): Container =>
  containersOf(task).find((c) => c.Name === name)!;
const envOf = (c: Container) =>
  Object.fromEntries(
    (c.Environment as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]),
  );
const secretNamesOf = (c: Container) => (c.Secrets as { Name: string }[]).map((s) => s.Name).sort();
const tasks = (): [string, AirlockStack['api']['task']][] => [
  ['upload-api', stack.api.task],
  ...WORKERS.map((name): [string, AirlockStack['api']['task']] => [name, stack.workers[name].task]),
];

const SHARED = [
  'AWS_REGION',
  'LOG_LEVEL',
  'UPLOADS_BUCKET',
  'QUARANTINE_BUCKET',
  'PROCESSED_BUCKET',
  'DATABASE_URL',
];
const EXPECTED_ENV: Record<string, string[]> = {
  'upload-api': [...SHARED, 'PORT', 'METRICS_PORT', 'TRUST_PROXY', 'SCAN_MAX_BYTES'],
  verifier: [
    ...SHARED,
    'HEALTH_PORT',
    'UPLOAD_EVENTS_QUEUE_URL',
    'UPLOAD_EVENTS_DLQ_URL',
    'SCAN_JOBS_QUEUE_URL',
  ],
  scanner: [
    ...SHARED,
    'HEALTH_PORT',
    'SCAN_JOBS_QUEUE_URL',
    'SCAN_JOBS_DLQ_URL',
    'MEDIA_JOBS_QUEUE_URL',
    'CLAMD_HOST',
    'CLAMD_PORT',
    'SCAN_MAX_BYTES',
  ],
  media: [
    ...SHARED,
    'HEALTH_PORT',
    'MEDIA_JOBS_QUEUE_URL',
    'MEDIA_JOBS_DLQ_URL',
    'MALLOC_ARENA_MAX',
  ],
  notifier: [...SHARED, 'HEALTH_PORT', 'WEBHOOK_JOBS_QUEUE_URL', 'WEBHOOK_JOBS_DLQ_URL'],
};

describe('app containers', () => {
  it('one Fargate service per app, plus the ops task definition', () => {
    template.resourceCountIs('AWS::ECS::Service', 5);
    template.resourceCountIs('AWS::ECS::TaskDefinition', 6);
    for (const { properties } of resourcesOf(template, 'AWS::ECS::Service')) {
      expect(properties.LaunchType).toBe('FARGATE');
      expect(properties.DeploymentConfiguration).toMatchObject({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        MinimumHealthyPercent: 100,
      });
    }
  });

  it.each(Object.keys(EXPECTED_ENV))('%s gets exactly the variables its config reads', (app) => {
    const task = app === 'upload-api' ? stack.api.task : stack.workers[app as WorkerName].task;
    const c = container(task, app);
    expect(c.Command).toEqual([app]);
    expect(Object.keys(envOf(c)).sort()).toEqual([...EXPECTED_ENV[app]!].sort());
    expect(secretNamesOf(c)).toEqual(
      app === 'upload-api' ? ['FOLDER_SECRET', 'PGPASSWORD'] : ['PGPASSWORD'],
    );
  });

  it('points each worker at its own queues', () => {
    const q = stack.queues.byName;
    const url = (queue: { queueUrl: string }) => stack.resolve(queue.queueUrl);
    expect(envOf(container(stack.workers.verifier.task, 'verifier'))).toMatchObject({
      UPLOAD_EVENTS_QUEUE_URL: url(q['upload-events'].queue),
      UPLOAD_EVENTS_DLQ_URL: url(q['upload-events'].dlq),
      SCAN_JOBS_QUEUE_URL: url(q['scan-jobs'].queue),
    });
    expect(envOf(container(stack.workers.scanner.task, 'scanner'))).toMatchObject({
      SCAN_JOBS_QUEUE_URL: url(q['scan-jobs'].queue),
      SCAN_JOBS_DLQ_URL: url(q['scan-jobs'].dlq),
      MEDIA_JOBS_QUEUE_URL: url(q['media-jobs'].queue),
    });
    expect(envOf(container(stack.workers.media.task, 'media'))).toMatchObject({
      MEDIA_JOBS_QUEUE_URL: url(q['media-jobs'].queue),
      MEDIA_JOBS_DLQ_URL: url(q['media-jobs'].dlq),
    });
    expect(envOf(container(stack.workers.notifier.task, 'notifier'))).toMatchObject({
      WEBHOOK_JOBS_QUEUE_URL: url(q['webhook-jobs'].queue),
      WEBHOOK_JOBS_DLQ_URL: url(q['webhook-jobs'].dlq),
    });
  });

  it('names the real buckets, never the local defaults', () => {
    for (const [app, task] of tasks()) {
      expect(envOf(container(task, app))).toMatchObject({
        UPLOADS_BUCKET: ref(stack.storage.uploads),
        QUARANTINE_BUCKET: ref(stack.storage.quarantine),
        PROCESSED_BUCKET: ref(stack.storage.processed),
      });
    }
  });

  it('gives the upload-api its HMAC folder key from Secrets Manager, kept past the stack', () => {
    const secret = resourcesOf(template, 'AWS::SecretsManager::Secret').find((s) =>
      String(s.properties.Description).startsWith('Airlock FOLDER_SECRET'),
    )!;
    expect(secret.properties.GenerateSecretString).toMatchObject({
      PasswordLength: 64,
      ExcludePunctuation: true,
    });
    expect(template.toJSON().Resources[secret.id].DeletionPolicy).toBe('Retain');
    const folder = (container(stack.api.task, 'upload-api').Secrets as any[]).find(
      (s) => s.Name === 'FOLDER_SECRET',
    );
    expect(folder.ValueFrom).toEqual({ Ref: secret.id });
  });

  it('caps the API and the scanner at what clamd scans whole (clamd.docker.conf)', () => {
    const conf = readFileSync(new URL('../clamav/clamd.docker.conf', import.meta.url), 'utf8');
    const option = (name: string) => Number(new RegExp(`^${name}\\s+(\\d+)$`, 'm').exec(conf)![1]);
    const streamMaxLength = option('StreamMaxLength');
    expect(SCAN_MAX_BYTES).toBe(streamMaxLength);
    // MaxFileSize = MaxScanSize, room for clamd's rescans from embedded-file
    // signatures (2× the stream), within what ClamAV 1.4 scans whole.
    expect(option('MaxScanSize')).toBe(option('MaxFileSize'));
    expect(option('MaxFileSize')).toBeGreaterThanOrEqual(2 * streamMaxLength - 3);
    expect(option('MaxFileSize')).toBeLessThanOrEqual(2_147_483_645);
    expect(envOf(container(stack.api.task, 'upload-api')).SCAN_MAX_BYTES).toBe(
      String(streamMaxLength),
    );
    expect(envOf(container(stack.workers.scanner.task, 'scanner')).SCAN_MAX_BYTES).toBe(
      String(streamMaxLength),
    );
  });

  it('has clamd report encrypted documents and archives instead of passing them OK', () => {
    const conf = readFileSync(new URL('../clamav/clamd.docker.conf', import.meta.url), 'utf8');
    for (const option of ['AlertEncrypted', 'AlertEncryptedArchive', 'AlertEncryptedDoc'])
      expect(new RegExp(`^${option}\\s+(\\S+)$`, 'm').exec(conf)?.[1]).toBe('yes');
    expect(conf).toMatch(/^AlertExceedsMax\s+yes$/m);
  });

  it('keeps clamd image fuzzy hashing on, as ClamAV ships it (the scanner policy)', () => {
    const conf = readFileSync(new URL('../clamav/clamd.docker.conf', import.meta.url), 'utf8');
    expect(conf).toMatch(/^ScanImageFuzzyHash\s+yes$/m);
  });

  it.each(tasks().map(([name]) => name))(
    '%s runs read-only, under tini, with a /healthz probe',
    (app) => {
      const task = app === 'upload-api' ? stack.api.task : stack.workers[app as WorkerName].task;
      const c = container(task, app);
      expect(c.ReadonlyRootFilesystem).toBe(true);
      expect(c.LinuxParameters.InitProcessEnabled).toBe(true);
      const port = app === 'upload-api' ? 3000 : 9400;
      expect(c.HealthCheck.Command.join(' ')).toContain(`http://127.0.0.1:${port}/healthz`);
      expect(c.StopTimeout).toBe(app === 'upload-api' ? 30 : 120);
    },
  );

  it.each(tasks().map(([name]) => name))('%s applies migrations before it starts', (app) => {
    const task = app === 'upload-api' ? stack.api.task : stack.workers[app as WorkerName].task;
    const migrate = container(task, 'migrate');
    expect(migrate).toMatchObject({ Command: ['migrate'], Essential: false });
    expect(Object.keys(envOf(migrate))).toEqual(['DATABASE_URL']);
    expect(container(task, app).DependsOn).toContainEqual({
      ContainerName: 'migrate',
      Condition: 'SUCCESS',
    });
  });

  it('runs clamd beside the scanner, which waits for it to be healthy', () => {
    const clamd = container(stack.workers.scanner.task, 'clamd');
    expect(clamd.Essential).toBe(true);
    expect(clamd.HealthCheck.Command).toEqual(['CMD', 'clamdcheck.sh']);
    expect(envOf(clamd)).toEqual({ FRESHCLAM_CHECKS: '12' });
    expect(container(stack.workers.scanner.task, 'scanner').DependsOn).toContainEqual({
      ContainerName: 'clamd',
      Condition: 'HEALTHY',
    });
    expect(envOf(container(stack.workers.scanner.task, 'scanner'))).toMatchObject({
      CLAMD_HOST: '127.0.0.1',
      CLAMD_PORT: '3310',
    });
    expect(taskOf(stack.workers.scanner.task)).toMatchObject({ Cpu: '1024', Memory: '4096' });
  });
});

describe('network', () => {
  it('runs every task in private subnets without a public IP', () => {
    for (const { properties } of resourcesOf(template, 'AWS::ECS::Service')) {
      expect(properties.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp).toBe('DISABLED');
    }
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['.s3'])] }),
    });
  });

  it('lets nothing reach a worker', () => {
    for (const worker of WORKERS) {
      const sg = stack.workers[worker].securityGroup;
      const id = stack.getLogicalId(sg.node.defaultChild as never);
      expect(template.toJSON().Resources[id].Properties.SecurityGroupIngress).toBeUndefined();
      const ingressRules = resourcesOf(template, 'AWS::EC2::SecurityGroupIngress').filter(
        (rule) => rule.properties.GroupId?.['Fn::GetAtt']?.[0] === id,
      );
      expect(ingressRules).toEqual([]);
    }
  });

  it('lets the load balancer, and only it, reach the API on its port', () => {
    const apiSg = stack.api.service.connections.securityGroups[0]!;
    const apiSgId = stack.getLogicalId(apiSg.node.defaultChild as never);
    const rules = resourcesOf(template, 'AWS::EC2::SecurityGroupIngress').filter(
      (rule) => rule.properties.GroupId?.['Fn::GetAtt']?.[0] === apiSgId,
    );
    expect(rules).toHaveLength(1);
    const lbSg = stack.api.loadBalancer.connections.securityGroups[0]!;
    expect(rules[0]!.properties).toMatchObject({
      IpProtocol: 'tcp',
      FromPort: 3000,
      ToPort: 3000,
      SourceSecurityGroupId: {
        'Fn::GetAtt': [stack.getLogicalId(lbSg.node.defaultChild as never), 'GroupId'],
      },
    });
  });
});

describe('load balancer', () => {
  it('is internet-facing and checks /readyz', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
      ]),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/readyz',
      Port: 80,
      Protocol: 'HTTP',
      TargetType: 'ip',
    });
  });

  it('listens on plain HTTP only when no certificate is configured', () => {
    onlyResource(
      template,
      'AWS::ElasticLoadBalancingV2::Listener',
      (p) => p.Port === 80 && p.Protocol === 'HTTP',
    );
  });
});

describe('database', () => {
  it('is a private, encrypted RDS PostgreSQL that requires TLS', () => {
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      PubliclyAccessible: false,
      StorageEncrypted: true,
      DeletionProtection: true,
      MultiAZ: false,
      DBInstanceClass: 'db.t4g.micro',
    });
    template.hasResourceProperties('AWS::RDS::DBParameterGroup', {
      Parameters: { 'rds.force_ssl': '1' },
    });
  });

  it('is reached with verify-full TLS and a password injected from its secret', () => {
    const url = envOf(container(stack.api.task, 'upload-api')).DATABASE_URL;
    const text = JSON.stringify(url);
    // The app's own login (test/database-logins.test.ts), not the master user.
    expect(text).toContain('postgres://airlock_upload_api_app@');
    expect(text).toContain(`sslmode=verify-full&sslrootcert=${RDS_CA_BUNDLE}`);
    const password = (container(stack.api.task, 'upload-api').Secrets as any[]).find(
      (s) => s.Name === 'PGPASSWORD',
    );
    expect(JSON.stringify(password.ValueFrom)).toContain(':password::');
  });

  it('accepts connections from the apps and the ops task only', () => {
    const database = stack.node.findChild('Database');
    const dbId = stack.getLogicalId(database.node.defaultChild as never);
    const dbSgId = stack.getLogicalId(
      database.node.findChild('SecurityGroup').node.defaultChild as never,
    );
    const sources = resourcesOf(template, 'AWS::EC2::SecurityGroupIngress')
      .filter((rule) => rule.properties.GroupId?.['Fn::GetAtt']?.[0] === dbSgId)
      .map((rule) => {
        expect(rule.properties.FromPort).toEqual({ 'Fn::GetAtt': [dbId, 'Endpoint.Port'] });
        return rule.properties.SourceSecurityGroupId['Fn::GetAtt'][0] as string;
      });
    const expected = [
      stack.api.service.connections.securityGroups[0]!,
      ...WORKERS.map((w) => stack.workers[w].securityGroup),
      stack.ops.securityGroup,
    ].map((sg) => stack.getLogicalId(sg.node.defaultChild as never));
    expect(sources.sort()).toEqual(expected.sort());
  });
});

describe('scaling', () => {
  const scalableTargets = () =>
    resourcesOf(template, 'AWS::ApplicationAutoScaling::ScalableTarget');

  it('scales the API on CPU', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        TargetValue: CAPACITY_SETTINGS.targetCpuPercent,
      },
    });
    expect(scalableTargets()).toHaveLength(5);
  });

  it.each(WORKERS)('scales %s on its queue backlog (visible + in flight)', (worker) => {
    const queueName = {
      verifier: 'upload-events',
      scanner: 'scan-jobs',
      media: 'media-jobs',
      notifier: 'webhook-jobs',
    }[worker] as 'upload-events';
    const queue = stack.queues.byName[queueName].queue;
    const serviceId = stack.getLogicalId(stack.workers[worker].service.node.defaultChild as never);
    const target = scalableTargets().find((t) =>
      JSON.stringify(t.properties.ResourceId).includes(serviceId),
    )!;
    expect(target.properties).toMatchObject({
      MinCapacity: CAPACITY_SETTINGS.apps[worker].minTasks,
      MaxCapacity: CAPACITY_SETTINGS.apps[worker].maxTasks,
    });
    const policies = resourcesOf(template, 'AWS::ApplicationAutoScaling::ScalingPolicy').filter(
      (p) => p.properties.ScalingTargetId?.Ref === target.id,
    );
    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      expect(policy.properties.StepScalingPolicyConfiguration.AdjustmentType).toBe('ExactCapacity');
    }
    const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm').filter((a) =>
      (a.properties.AlarmActions ?? []).some((action: any) =>
        policies.some((p) => action.Ref === p.id),
      ),
    );
    expect(alarms).toHaveLength(2);
    for (const alarm of alarms) {
      const metrics = alarm.properties.Metrics as any[];
      expect(metrics.find((m) => m.Expression)?.Expression).toBe('visible + inFlight');
      const queueNames = metrics
        .filter((m) => m.MetricStat)
        .map((m) => m.MetricStat.Metric.Dimensions[0].Value);
      expect(queueNames).toEqual([stack.resolve(queue.queueName), stack.resolve(queue.queueName)]);
    }
  });
});

describe('ops', () => {
  it('runs `airlock sweep` every 15 minutes with the ops role', () => {
    const ops = container(stack.ops.task, 'ops');
    expect(ops.Command).toEqual(['airlock', 'sweep', '--json']);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      Targets: [
        Match.objectLike({
          EcsParameters: Match.objectLike({
            LaunchType: 'FARGATE',
            TaskDefinitionArn: ref(stack.ops.task),
          }),
        }),
      ],
    });
  });

  it('runs `airlock db prune` nightly with the ops role, keeping terminal uploads past their objects', () => {
    const rule = onlyResource(template, 'AWS::Events::Rule', (p) =>
      String(p.Description).startsWith('airlock db prune'),
    );
    expect(rule.properties.ScheduleExpression).toBe('cron(20 3 * * ? *)');
    const [target] = rule.properties.Targets;
    expect(target.EcsParameters).toMatchObject({
      LaunchType: 'FARGATE',
      TaskDefinitionArn: ref(stack.ops.task),
    });
    expect(JSON.parse(target.Input)).toEqual({
      containerOverrides: [
        {
          name: 'ops',
          command: ['airlock', 'db', 'prune', '--json'],
          environment: [{ name: 'RETENTION_TERMINAL_UPLOADS_DAYS', value: '90' }],
        },
      ],
    });
  });

  it('knows every queue and DLQ, for the dlq commands', () => {
    const env = envOf(container(stack.ops.task, 'ops'));
    for (const name of ['UPLOAD_EVENTS', 'SCAN_JOBS', 'MEDIA_JOBS', 'WEBHOOK_JOBS']) {
      expect(env).toHaveProperty(`${name}_QUEUE_URL`);
      expect(env).toHaveProperty(`${name}_DLQ_URL`);
    }
  });
});
