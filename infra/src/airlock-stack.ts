import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { PipelineAlarms } from './alarms.ts';
import { ApiService } from './api-service.ts';
import { appEnvironment } from './app-environment.ts';
import { AppRoles } from './app-roles.ts';
import type { ComputeContext } from './compute-context.ts';
import { OperationsDashboard } from './dashboard.ts';
import { createDatabase } from './database.ts';
import { createImages } from './images.ts';
import { createNetwork } from './network.ts';
import { OpsTask } from './ops-task.ts';
import { Queues } from './queues.ts';
import { APP_NAMES, type AirlockSettings } from './settings.ts';
import { Storage } from './storage.ts';
import { notifyObjectCreated } from './upload-notification.ts';
import { WorkerService, type WorkerName } from './worker-service.ts';

export type AirlockStackProps = StackProps & { readonly settings: AirlockSettings };

/**
 * The whole deployment: storage, queues, database, the apps on Fargate and
 * alarms. No CDN: renditions are served only through the API's short-lived
 * signed S3 URLs, which check the upload's state on every request, so a
 * rescan that quarantines takes effect at once (docs/security.md, finding 13).
 */
export class AirlockStack extends Stack {
  readonly storage: Storage;
  readonly queues: Queues;
  readonly roles: AppRoles;
  readonly api: ApiService;
  readonly workers: Readonly<Record<WorkerName, WorkerService>>;
  readonly ops: OpsTask;

  constructor(scope: Construct, id: string, props: AirlockStackProps) {
    super(scope, id, props);
    const { settings } = props;

    this.storage = new Storage(this, 'Storage', settings);
    this.queues = new Queues(this, 'Queues', settings);
    notifyObjectCreated(
      this.storage.uploads,
      this.queues.byName['upload-events'].queue,
      settings.s3Events,
    );
    this.roles = new AppRoles(this, 'Roles', { storage: this.storage, queues: this.queues });

    const network = createNetwork(this, settings);
    const database = createDatabase(this, network.vpc, settings);
    // HMAC key of the tenant folders: changing it orphans every existing key, so it outlives the stack.
    const folderSecret = settings.folderSecretArn
      ? secretsmanager.Secret.fromSecretCompleteArn(this, 'FolderSecret', settings.folderSecretArn)
      : new secretsmanager.Secret(this, 'FolderSecret', {
          description:
            'Airlock FOLDER_SECRET (HMAC key of tenant folders); never rotate on a live bucket',
          generateSecretString: { passwordLength: 64, excludePunctuation: true },
          removalPolicy: RemovalPolicy.RETAIN,
        });

    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: network.vpc,
      enableFargateCapacityProviders: settings.workersOnSpot,
    });
    const ctx: ComputeContext = {
      settings,
      cluster,
      network,
      images: createImages(this, settings),
      roles: this.roles,
      database,
      queues: this.queues,
      environmentOf: (app) =>
        appEnvironment(this, app, {
          storage: this.storage,
          queues: this.queues,
          database,
          folderSecret: ecs.Secret.fromSecretsManager(folderSecret),
          otlpEndpoint: settings.otlpEndpoint,
        }),
      metricsScrapers: settings.metricsScraperSecurityGroupId
        ? ec2.SecurityGroup.fromSecurityGroupId(
            this,
            'MetricsScrapers',
            settings.metricsScraperSecurityGroupId,
            { mutable: false },
          )
        : undefined,
    };
    this.api = new ApiService(this, 'UploadApi', ctx);
    const workers = {} as Record<WorkerName, WorkerService>;
    for (const app of APP_NAMES) {
      if (app !== 'upload-api') workers[app] = new WorkerService(this, app, ctx);
    }
    this.workers = workers;
    this.ops = new OpsTask(this, 'Ops', ctx);

    const alarms = new PipelineAlarms(this, 'Alarms', {
      queues: this.queues,
      loadBalancer: this.api.loadBalancer,
      database: database.instance,
      ...settings,
    });
    const operations = new OperationsDashboard(this, 'Operations', {
      queues: this.queues,
      services: APP_NAMES.map((app) => ({
        app,
        service: app === 'upload-api' ? this.api.service : workers[app].service,
      })),
      loadBalancer: this.api.loadBalancer,
      database: database.instance,
      alarms: alarms.all,
      oldestMessageAlarmSeconds: settings.oldestMessageAlarmSeconds,
    });

    const scheme = settings.certificateArn ? 'https' : 'http';
    new CfnOutput(this, 'ApiUrl', {
      value: `${scheme}://${this.api.loadBalancer.loadBalancerDnsName}`,
    });
    new CfnOutput(this, 'UploadsBucket', { value: this.storage.uploads.bucketName });
    new CfnOutput(this, 'QuarantineBucket', { value: this.storage.quarantine.bucketName });
    new CfnOutput(this, 'ProcessedBucket', { value: this.storage.processed.bucketName });
    new CfnOutput(this, 'AlarmTopic', { value: alarms.topic.topicArn });
    new CfnOutput(this, 'Dashboard', { value: operations.dashboard.dashboardName });
    new CfnOutput(this, 'ClusterName', { value: cluster.clusterName });
    new CfnOutput(this, 'OpsTaskDefinition', { value: this.ops.task.taskDefinitionArn });
    new CfnOutput(this, 'OpsSecurityGroup', { value: this.ops.securityGroup.securityGroupId });
    new CfnOutput(this, 'TaskSubnets', {
      value: network.vpc.selectSubnets(network.taskSubnets).subnetIds.join(','),
    });
  }
}
