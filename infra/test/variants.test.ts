import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { resourcesOf, synth } from './support/synth.ts';

describe('encryption: kms', () => {
  const { stack, template } = synth({ encryption: 'kms' });
  const keyArn = stack.resolve(stack.storage.key!.keyArn);

  it('encrypts every bucket with one rotating customer-managed key', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    for (const { properties } of resourcesOf(template, 'AWS::S3::Bucket')) {
      expect(properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
        {
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn },
          BucketKeyEnabled: true,
        },
      ]);
    }
  });

  it.each([
    ['upload-api', ['kms:Decrypt', 'kms:GenerateDataKey']],
    ['verifier', ['kms:Decrypt', 'kms:GenerateDataKey']],
    ['scanner', ['kms:Decrypt', 'kms:GenerateDataKey']],
    ['media', ['kms:Decrypt', 'kms:GenerateDataKey']],
    ['ops', ['kms:Decrypt']],
    ['notifier', []],
  ] as const)('gives %s %j on that key, through S3 only', (name, actions) => {
    const role =
      template.toJSON().Resources[
        stack.getLogicalId(stack.roles.byName[name].node.defaultChild as never)
      ];
    const kms = (role.Properties.Policies[0].PolicyDocument.Statement as any[]).filter((s) =>
      JSON.stringify(s.Action).includes('kms:'),
    );
    if (actions.length === 0) {
      expect(kms).toEqual([]);
      return;
    }
    expect(kms).toEqual([
      {
        Effect: 'Allow',
        Action: actions.length === 1 ? actions[0] : [...actions],
        Resource: keyArn,
        Condition: {
          StringEquals: {
            'kms:ViaService': {
              'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']],
            },
          },
        },
      },
    ]);
  });

  it('lets no CloudFront (or any other service) decrypt: the key policy names the account alone', () => {
    const key = resourcesOf(template, 'AWS::KMS::Key')[0]!;
    const principals = (key.properties.KeyPolicy.Statement as any[]).map((s) => s.Principal);
    expect(principals.filter((p) => p.Service !== undefined)).toEqual([]);
    expect(JSON.stringify(key.properties.KeyPolicy)).not.toContain('cloudfront');
  });
});

describe('with a certificate and browser origins', () => {
  const { stack, template } = synth({
    certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
    corsOrigins: ['https://app.example.com'],
  });

  it('lets browsers PUT (single or part) and POST (forms) to uploads from those origins only', () => {
    const uploads =
      template.toJSON().Resources[
        stack.getLogicalId(stack.storage.uploads.node.defaultChild as never)
      ];
    expect(uploads.Properties.CorsConfiguration).toEqual({
      CorsRules: [
        {
          AllowedMethods: ['PUT', 'POST'],
          AllowedOrigins: ['https://app.example.com'],
          AllowedHeaders: ['content-type', 'x-amz-checksum-sha256'],
          ExposedHeaders: ['ETag'],
          MaxAge: 3600,
        },
      ],
    });
    for (const bucket of [stack.storage.quarantine, stack.storage.processed]) {
      const resource =
        template.toJSON().Resources[stack.getLogicalId(bucket.node.defaultChild as never)];
      expect(resource.Properties.CorsConfiguration).toBeUndefined();
    }
  });

  it('serves HTTPS with a current TLS policy and redirects HTTP', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc' }],
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [
        Match.objectLike({
          Type: 'redirect',
          RedirectConfig: Match.objectLike({ Protocol: 'HTTPS' }),
        }),
      ],
    });
  });
});

describe('with an operator-provided database', () => {
  const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:airlock-db-url-AbCdEf';
  const { stack, template } = synth({ databaseUrlSecretArn: arn });

  it('creates no RDS instance and injects DATABASE_URL from the secret', () => {
    template.resourceCountIs('AWS::RDS::DBInstance', 0);
    const task =
      template.toJSON().Resources[
        stack.getLogicalId(stack.workers.verifier.task.node.defaultChild as never)
      ].Properties;
    for (const name of ['verifier', 'migrate']) {
      const container = task.ContainerDefinitions.find((c: any) => c.Name === name);
      expect(container.Secrets).toEqual([{ Name: 'DATABASE_URL', ValueFrom: arn }]);
      expect((container.Environment ?? []).map((e: any) => e.Name)).not.toContain('DATABASE_URL');
    }
  });

  it('warns at synth that every app then shares that login, and generates no app logins', () => {
    Annotations.fromStack(stack).hasWarning(
      '*',
      Match.stringLikeRegexp('databaseUrlSecretArn without databaseAppUrl: every app connects'),
    );
    template.resourceCountIs('AWS::SecretsManager::Secret', 1); // FOLDER_SECRET only
  });

  it('neither graphs nor alarms on an RDS instance, and says where to watch the database', () => {
    const body = JSON.stringify(
      resourcesOf(template, 'AWS::CloudWatch::Dashboard')[0]!.properties.DashboardBody,
    );
    expect(body).not.toContain('AWS/RDS');
    expect(body).toContain('your own database (`databaseUrlSecretArn`)');
    for (const { properties } of resourcesOf(template, 'AWS::CloudWatch::Alarm')) {
      expect(properties.Namespace).not.toBe('AWS/RDS');
    }
  });
});

describe('with an operator-provided database and databaseAppUrl', () => {
  const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:airlock-db-url-AbCdEf';
  const databaseAppUrl = 'postgres://db.example.com:5432/airlock?sslmode=verify-full';
  const { stack, template } = synth({ databaseUrlSecretArn: arn, databaseAppUrl });
  const secretOf = (login: string) =>
    resourcesOf(template, 'AWS::SecretsManager::Secret').find((s) =>
      String(s.properties.Description).includes(`login ${login} `),
    )!.id;
  const tasks = [
    ['upload-api', stack.api.task],
    ['verifier', stack.workers.verifier.task],
    ['ops', stack.ops.task],
  ] as const;

  it.each(tasks)(
    'runs %s as its own login on that host; only its migrate has the secret URL',
    (app, task) => {
      const login = `airlock_${app.replace('-', '_')}_app`;
      const password = { 'Fn::Join': ['', [{ Ref: secretOf(login) }, ':password::']] };
      const definitions = template.toJSON().Resources[
        stack.getLogicalId(task.node.defaultChild as never)
      ].Properties.ContainerDefinitions as any[];
      const container = definitions.find((c) => c.Name === app);
      expect(container.Environment).toContainEqual({
        Name: 'DATABASE_URL',
        Value: `postgres://${login}@db.example.com:5432/airlock?sslmode=verify-full`,
      });
      expect(container.Secrets).toContainEqual({ Name: 'PGPASSWORD', ValueFrom: password });
      expect(JSON.stringify(container)).not.toContain(arn);
      const migrate = definitions.find((c) => c.Name === 'migrate');
      expect(migrate.Secrets).toEqual([
        { Name: 'DATABASE_URL', ValueFrom: arn },
        { Name: `AIRLOCK_DB_PASSWORD_${app.replace('-', '_').toUpperCase()}`, ValueFrom: password },
      ]);
    },
  );

  it('creates no RDS instance and does not warn', () => {
    template.resourceCountIs('AWS::RDS::DBInstance', 0);
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('databaseAppUrl'));
  });
});

describe('natGateways: 0', () => {
  const { template } = synth({ natGateways: 0 });

  it('runs tasks in public subnets with public IPs, and no NAT gateway', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    for (const { properties } of resourcesOf(template, 'AWS::ECS::Service')) {
      expect(properties.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp).toBe('ENABLED');
    }
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        Match.objectLike({
          EcsParameters: Match.objectLike({
            NetworkConfiguration: {
              AwsVpcConfiguration: Match.objectLike({ AssignPublicIp: 'ENABLED' }),
            },
          }),
        }),
      ],
    });
  });
});

describe('a lean deployment: Spot, arm64, no sweep, media down to 0, traces to a collector', () => {
  const { stack, template } = synth({
    otlpEndpoint: 'http://collector.internal:4318',
    metricsScraperSecurityGroupId: 'sg-0123456789abcdef0',
    workersOnSpot: true,
    cpuArchitecture: 'arm64',
    sweepSchedule: undefined,
    pruneSchedule: undefined,
    maxReceiveCount: 9,
    quarantineRetentionDays: 90,
    tasks: {
      'upload-api': { min: 2, max: 6 },
      verifier: { min: 1, max: 4 },
      scanner: { min: 1, max: 8 },
      media: { min: 0, max: 3 },
      notifier: { min: 1, max: 2 },
    },
  });

  it('puts the workers, not the API, on Fargate Spot', () => {
    const services = resourcesOf(template, 'AWS::ECS::Service');
    const apiId = stack.getLogicalId(stack.api.service.node.defaultChild as never);
    for (const { id, properties } of services) {
      if (id === apiId) {
        expect(properties.LaunchType).toBe('FARGATE');
        expect(properties.CapacityProviderStrategy).toBeUndefined();
      } else {
        expect(properties.CapacityProviderStrategy).toEqual([
          { CapacityProvider: 'FARGATE_SPOT', Weight: 1 },
        ]);
      }
    }
  });

  it('points every app, and only the apps, at the trace collector', () => {
    const endpoints = resourcesOf(template, 'AWS::ECS::TaskDefinition').flatMap(({ properties }) =>
      (
        properties.ContainerDefinitions as {
          Name: string;
          Environment?: { Name: string; Value: unknown }[];
        }[]
      ).map((container) => [
        container.Name,
        container.Environment?.find((e) => e.Name === 'OTEL_EXPORTER_OTLP_ENDPOINT')?.Value,
      ]),
    );
    const traced = endpoints.filter(([, endpoint]) => endpoint !== undefined);
    expect(traced.map(([name]) => name).sort()).toEqual(
      ['media', 'notifier', 'ops', 'scanner', 'upload-api', 'verifier'].sort(),
    );
    for (const [, endpoint] of traced) expect(endpoint).toBe('http://collector.internal:4318');
  });

  it("lets the metrics scrapers' security group, and only it, reach every task's /metrics port", () => {
    const groups = [
      stack.api.service.connections.securityGroups[0]!,
      ...Object.values(stack.workers).map((worker) => worker.securityGroup),
    ].map((group) => stack.getLogicalId(group.node.defaultChild as never));
    const scrapes = resourcesOf(template, 'AWS::EC2::SecurityGroupIngress').filter(
      (rule) => rule.properties.FromPort === 9400,
    );
    expect(scrapes.map((rule) => rule.properties.GroupId['Fn::GetAtt'][0]).sort()).toEqual(
      groups.sort(),
    );
    for (const { properties } of scrapes)
      expect(properties).toMatchObject({
        IpProtocol: 'tcp',
        ToPort: 9400,
        SourceSecurityGroupId: 'sg-0123456789abcdef0',
      });
    // Nothing else gained a way in: the API still only from its load balancer.
    const others = resourcesOf(template, 'AWS::EC2::SecurityGroupIngress').filter(
      (rule) =>
        rule.properties.FromPort !== 9400 &&
        groups.includes(rule.properties.GroupId?.['Fn::GetAtt']?.[0]),
    );
    expect(others.map((rule) => rule.properties.FromPort)).toEqual([3000]);
  });

  it('runs every task on ARM64', () => {
    for (const { properties } of resourcesOf(template, 'AWS::ECS::TaskDefinition')) {
      expect(properties.RuntimePlatform.CpuArchitecture).toBe('ARM64');
    }
  });

  it('schedules no sweep', () => {
    template.resourceCountIs('AWS::Events::Rule', 0);
  });

  it('takes each app task range from the settings', () => {
    const targets = resourcesOf(template, 'AWS::ApplicationAutoScaling::ScalableTarget').map(
      (t) => [t.properties.MinCapacity, t.properties.MaxCapacity],
    );
    expect(targets.sort()).toEqual(
      [
        [2, 6],
        [1, 4],
        [1, 8],
        [0, 3],
        [1, 2],
      ].sort(),
    );
  });

  it('sets no desired count, so a deploy keeps what scaling chose', () => {
    for (const { properties } of resourcesOf(template, 'AWS::ECS::Service')) {
      expect(properties.DesiredCount).toBeUndefined();
    }
  });

  it('takes maxReceiveCount and the quarantine retention from the settings', () => {
    for (const { queue } of stack.queues.all) {
      const props =
        template.toJSON().Resources[stack.getLogicalId(queue.node.defaultChild as never)];
      expect(props.Properties.RedrivePolicy.maxReceiveCount).toBe(9);
    }
    const quarantine =
      template.toJSON().Resources[
        stack.getLogicalId(stack.storage.quarantine.node.defaultChild as never)
      ];
    expect(quarantine.Properties.LifecycleConfiguration.Rules).toContainEqual({
      Id: 'expire-quarantined-objects',
      ExpirationInDays: 90,
      Status: 'Enabled',
    });
  });
});
