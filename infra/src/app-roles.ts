import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { APP_ACCESS, type Access, type BucketName, type RoleName } from './app-access.ts';
import type { QueueName, Queues } from './queues.ts';
import type { Storage } from './storage.ts';

/** One task role per app, holding exactly the statements of its entry in APP_ACCESS. */
export class AppRoles extends Construct {
  readonly byName: Readonly<Record<RoleName, iam.Role>>;

  constructor(scope: Construct, id: string, deps: { storage: Storage; queues: Queues }) {
    super(scope, id);
    const stack = Stack.of(this);
    const byName = {} as Record<RoleName, iam.Role>;
    for (const [name, access] of Object.entries(APP_ACCESS) as [RoleName, Access][]) {
      byName[name] = new iam.Role(this, name, {
        description: `Airlock ${name} task role`,
        // Only ECS tasks of this account may assume it (confused-deputy guard).
        assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com', {
          conditions: {
            StringEquals: { 'aws:SourceAccount': stack.account },
            ArnLike: {
              'aws:SourceArn': `arn:${stack.partition}:ecs:${stack.region}:${stack.account}:*`,
            },
          },
        }),
        inlinePolicies: {
          access: new iam.PolicyDocument({ statements: statementsFor(access, deps) }),
        },
      });
    }
    this.byName = byName;
  }
}

function statementsFor(access: Access, deps: { storage: Storage; queues: Queues }) {
  const bucket = (name: BucketName): s3.Bucket => deps.storage[name];
  const statements: iam.PolicyStatement[] = [];
  const objectActions = Object.entries(access.objects ?? {}) as [BucketName, string[]][];
  for (const [name, actions] of objectActions) {
    statements.push(
      new iam.PolicyStatement({ actions, resources: [bucket(name).arnForObjects('*')] }),
    );
  }
  for (const name of access.listBuckets ?? []) {
    statements.push(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket(name).bucketArn] }),
    );
  }
  for (const [name, actions] of Object.entries(access.queues ?? {}) as [QueueName, string[]][]) {
    statements.push(
      new iam.PolicyStatement({ actions, resources: [deps.queues.byName[name].queue.queueArn] }),
    );
  }
  for (const [name, actions] of Object.entries(access.dlqs ?? {}) as [QueueName, string[]][]) {
    statements.push(
      new iam.PolicyStatement({ actions, resources: [deps.queues.byName[name].dlq.queueArn] }),
    );
  }
  const key = deps.storage.key;
  if (key) {
    const all = objectActions.flatMap(([, actions]) => actions);
    const kmsActions = [
      ...(all.includes('s3:GetObject') ? ['kms:Decrypt'] : []),
      ...(all.includes('s3:PutObject') ? ['kms:GenerateDataKey'] : []),
    ];
    if (kmsActions.length > 0) {
      statements.push(
        new iam.PolicyStatement({
          actions: kmsActions,
          resources: [key.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `s3.${Stack.of(key).region}.amazonaws.com` },
          },
        }),
      );
    }
  }
  return statements;
}
