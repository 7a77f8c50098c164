import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { RoleName } from '../src/app-access.ts';
import { resourcesOf, synth } from './support/synth.ts';

const { stack, template } = synth();
const { uploads, quarantine, processed } = stack.storage;
const q = stack.queues.byName;

/** `action resource` pairs, resources as CloudFormation expressions. */
type Grant = readonly [action: string, resource: unknown];
const objects = (bucket: s3.IBucket, ...actions: string[]): Grant[] =>
  actions.map((action) => [action, stack.resolve(bucket.arnForObjects('*'))]);
const bucketItself = (bucket: s3.IBucket, ...actions: string[]): Grant[] =>
  actions.map((action) => [action, stack.resolve(bucket.bucketArn)]);
const on = (queue: sqs.IQueue, ...actions: string[]): Grant[] =>
  actions.map((action) => [action, stack.resolve(queue.queueArn)]);
const CONSUME = [
  'sqs:ReceiveMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
];

/** Written out by hand from the apps' code, independently of src/app-access.ts. */
const EXPECTED: Record<RoleName, Grant[]> = {
  'upload-api': [
    ...objects(uploads, 's3:PutObject', 's3:GetObject', 's3:GetObjectVersion'),
    ...objects(processed, 's3:GetObject'),
  ],
  verifier: [
    ...objects(uploads, 's3:GetObject', 's3:GetObjectTagging', 's3:DeleteObject'),
    ...bucketItself(uploads, 's3:ListBucket'),
    ...objects(quarantine, 's3:PutObject', 's3:PutObjectTagging'),
    ...on(q['upload-events'].queue, ...CONSUME),
    ...on(q['upload-events'].dlq, 'sqs:SendMessage'),
    ...on(q['scan-jobs'].queue, 'sqs:SendMessage'),
  ],
  scanner: [
    ...objects(
      uploads,
      's3:GetObject',
      's3:GetObjectVersion',
      's3:GetObjectTagging',
      's3:PutObjectTagging',
      's3:DeleteObject',
    ),
    ...bucketItself(uploads, 's3:ListBucket'),
    ...objects(quarantine, 's3:PutObject', 's3:PutObjectTagging'),
    ...objects(processed, 's3:DeleteObject'),
    ...on(q['scan-jobs'].queue, ...CONSUME),
    ...on(q['scan-jobs'].dlq, 'sqs:SendMessage'),
    ...on(q['media-jobs'].queue, 'sqs:SendMessage'),
  ],
  media: [
    ...objects(uploads, 's3:GetObject', 's3:GetObjectVersion'),
    ...bucketItself(uploads, 's3:ListBucket'),
    ...objects(processed, 's3:PutObject'),
    ...on(q['media-jobs'].queue, ...CONSUME),
    ...on(q['media-jobs'].dlq, 'sqs:SendMessage'),
  ],
  notifier: [
    ...on(q['webhook-jobs'].queue, ...CONSUME, 'sqs:SendMessage'),
    ...on(q['webhook-jobs'].dlq, 'sqs:SendMessage'),
  ],
  ops: [
    ...objects(uploads, 's3:GetObject', 's3:DeleteObject'),
    ...bucketItself(uploads, 's3:ListBucket'),
    ...stack.queues.all.flatMap(({ queue, dlq }) => [
      ...on(queue, 'sqs:SendMessage'),
      ...on(
        dlq,
        'sqs:GetQueueAttributes',
        'sqs:ReceiveMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:PurgeQueue',
      ),
    ]),
  ],
};

type Statement = {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
};
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Everything a role is allowed, from its inline policies and any AWS::IAM::Policy attached to it. */
function grantsOf(roleId: string): { grants: Grant[]; statements: Statement[] } {
  const role = template.toJSON().Resources[roleId];
  const inline = (role.Properties.Policies ?? []).flatMap(
    (policy: any) => policy.PolicyDocument.Statement as Statement[],
  );
  const attached = resourcesOf(template, 'AWS::IAM::Policy')
    .filter((policy) => policy.properties.Roles.some((ref: any) => ref.Ref === roleId))
    .flatMap((policy) => policy.properties.PolicyDocument.Statement as Statement[]);
  const statements = [...inline, ...attached];
  const grants = statements.flatMap((statement) =>
    asArray(statement.Action).flatMap((action) =>
      asArray(statement.Resource).map((resource): Grant => [action, resource]),
    ),
  );
  return { grants, statements };
}

const roleIdOf = (name: RoleName) =>
  stack.getLogicalId(stack.roles.byName[name].node.defaultChild as never);
const sorted = (grants: Grant[]) => grants.map((grant) => JSON.stringify(grant)).sort();
const ROLES = Object.keys(EXPECTED) as RoleName[];

describe('task roles', () => {
  it.each(ROLES)('%s has exactly the actions and resources its code uses', (name) => {
    const { grants, statements } = grantsOf(roleIdOf(name));
    expect(sorted(grants)).toEqual(sorted(EXPECTED[name]));
    expect(statements.every((statement) => statement.Effect === 'Allow')).toBe(true);
  });

  it.each(ROLES)('%s names every action and resource: no wildcards', (name) => {
    for (const [action, resource] of grantsOf(roleIdOf(name)).grants) {
      expect(action).not.toContain('*');
      expect(resource).not.toBe('*');
    }
  });

  it.each(ROLES)('%s can be assumed only by ECS tasks of this account', (name) => {
    const role = template.toJSON().Resources[roleIdOf(name)];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'ecs-tasks.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: {
            'aws:SourceArn': {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':ecs:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':*',
                ],
              ],
            },
          },
        },
      },
    ]);
  });

  it('only the roles whose reads are pinned to the verified version read versions, and only of uploads; none reaches the quarantine by GET', () => {
    const pinned: readonly RoleName[] = ['upload-api', 'scanner', 'media'];
    for (const name of ROLES) {
      const grants = grantsOf(roleIdOf(name)).grants;
      const versionReads = grants.filter(([action]) => action === 's3:GetObjectVersion');
      expect(versionReads).toEqual(
        pinned.includes(name)
          ? [['s3:GetObjectVersion', stack.resolve(uploads.arnForObjects('*'))]]
          : [],
      );
      expect(grants).not.toContainEqual([
        's3:GetObject',
        stack.resolve(quarantine.arnForObjects('*')),
      ]);
    }
  });

  it('each app task runs with its own role', () => {
    const taskRoles = resourcesOf(template, 'AWS::ECS::TaskDefinition').map(
      (task) => task.properties.TaskRoleArn['Fn::GetAtt'][0],
    );
    expect(taskRoles.sort()).toEqual(ROLES.map(roleIdOf).sort());
  });

  it('execution roles pull only the configured ECR repositories', () => {
    const repository = (name: string) =>
      JSON.stringify({
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, `:ecr:us-east-1:123456789012:repository/${name}`],
        ],
      });
    const pulls = resourcesOf(template, 'AWS::IAM::Policy')
      .flatMap((policy) => policy.properties.PolicyDocument.Statement as Statement[])
      .filter((statement) => asArray(statement.Action).includes('ecr:BatchGetImage'))
      .map((statement) => JSON.stringify(statement.Resource));
    expect(new Set(pulls)).toEqual(new Set([repository('airlock'), repository('airlock-clamd')]));
  });

  it('execution roles (image pull, logs, secrets) have no S3 or SQS access', () => {
    const executionRoles = resourcesOf(template, 'AWS::ECS::TaskDefinition').map(
      (task) => task.properties.ExecutionRoleArn['Fn::GetAtt'][0] as string,
    );
    for (const roleId of executionRoles) {
      for (const [action] of grantsOf(roleId).grants) expect(action).not.toMatch(/^(s3|sqs|kms):/);
    }
  });
});

describe('no public read path (no CDN until the API hands out signed CloudFront URLs)', () => {
  const resources = Object.values(template.toJSON().Resources) as { Type: string }[];

  it('has no CloudFront distribution, origin access control or identity, nor any CDN output', () => {
    expect(resources.filter((r) => r.Type.startsWith('AWS::CloudFront::'))).toEqual([]);
    expect(Object.keys(template.toJSON().Outputs)).not.toContain('CdnDomain');
    expect(JSON.stringify(template.toJSON())).not.toMatch(/cloudfront/i);
  });

  it('blocks public access on every bucket, processed included', () => {
    const buckets = resourcesOf(template, 'AWS::S3::Bucket');
    expect(buckets).toHaveLength(3);
    for (const { properties } of buckets) {
      expect(properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(properties.OwnershipControls.Rules).toEqual([
        { ObjectOwnership: 'BucketOwnerEnforced' },
      ]);
      expect(properties.WebsiteConfiguration).toBeUndefined();
    }
  });

  it('leaves no grant behind: every bucket policy, processed included, only denies', () => {
    for (const bucket of [uploads, quarantine, processed]) {
      const id = stack.getLogicalId(bucket.node.defaultChild as never);
      const policy = resourcesOf(template, 'AWS::S3::BucketPolicy').find(
        (candidate) => candidate.properties.Bucket.Ref === id,
      )!;
      const statements = policy.properties.PolicyDocument.Statement as Statement[];
      expect(statements.length).toBeGreaterThan(0);
      expect(statements.filter((statement) => statement.Effect !== 'Deny')).toEqual([]);
    }
  });

  it('lets only the upload-api read renditions: it signs short-lived GETs after checking the state', () => {
    const processedObjects = stack.resolve(processed.arnForObjects('*'));
    const readers = ROLES.filter((name) =>
      grantsOf(roleIdOf(name)).grants.some(
        ([action, resource]) =>
          action === 's3:GetObject' &&
          JSON.stringify(resource) === JSON.stringify(processedObjects),
      ),
    );
    expect(readers).toEqual(['upload-api']);
  });
});
