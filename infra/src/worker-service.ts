import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { APP_SPECS, HEALTH_PORT } from './app-specs.ts';
import type { ComputeContext } from './compute-context.ts';
import {
  addAppContainer,
  addMigrations,
  createLogGroup,
  createTaskDefinition,
  httpHealthCheck,
} from './containers.ts';
import { scaleOnBacklog } from './queue-scaling.ts';
import type { AppName } from './settings.ts';

export type WorkerName = Exclude<AppName, 'upload-api'>;

/**
 * A queue consumer as a Fargate service with no inbound port (its health
 * endpoint is probed inside the task; only `metricsScraperSecurityGroupId`
 * may reach its /metrics), scaled on its queue's backlog. SIGTERM
 * lets in-flight messages finish: up to two minutes before SIGKILL.
 */
export class WorkerService extends Construct {
  readonly service: ecs.FargateService;
  readonly task: ecs.FargateTaskDefinition;
  readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, app: WorkerName, ctx: ComputeContext) {
    super(scope, app);
    const spec = APP_SPECS[app];
    const { settings, network } = ctx;
    this.task = createTaskDefinition(this, 'Task', {
      cpu: spec.cpu,
      memoryMiB: spec.memoryMiB,
      role: ctx.roles.byName[app],
      architecture: settings.cpuArchitecture,
    });
    const logGroup = createLogGroup(this, app, settings.logRetentionDays);
    const container = addAppContainer(this.task, app, {
      image: ctx.images.app,
      command: [app],
      ...ctx.environmentOf(app),
      logGroup,
      healthCheck: httpHealthCheck(HEALTH_PORT),
      stopTimeoutSeconds: 120,
    });
    addMigrations(this.task, container, {
      image: ctx.images.app,
      database: ctx.database,
      logGroup,
      app,
    });
    if (app === 'scanner') addClamd(this.task, container, ctx.images.clamd, logGroup);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: network.vpc,
      description: ctx.metricsScrapers
        ? `Airlock ${app}: inbound from metrics scrapers only; outbound to AWS APIs and PostgreSQL`
        : `Airlock ${app}: no inbound; outbound to AWS APIs and PostgreSQL`,
      allowAllOutbound: true,
    });
    ctx.database.allowFrom(this.securityGroup);
    if (ctx.metricsScrapers)
      this.securityGroup.connections.allowFrom(
        ctx.metricsScrapers,
        ec2.Port.tcp(HEALTH_PORT),
        'Prometheus scrapes /metrics',
      );

    const range = settings.tasks[app];
    this.service = new ecs.FargateService(this, 'Service', {
      cluster: ctx.cluster,
      taskDefinition: this.task,
      // No desiredCount: a deploy keeps whatever count scaling chose.
      vpcSubnets: network.taskSubnets,
      assignPublicIp: network.assignPublicIp,
      securityGroups: [this.securityGroup],
      circuitBreaker: { enable: true, rollback: true },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      // Interruptions are safe: an unfinished message reappears after its visibility timeout.
      ...(settings.workersOnSpot
        ? { capacityProviderStrategies: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] }
        : {}),
    });
    scaleOnBacklog(this.service, ctx.queues.byName[spec.queue!].queue, range, spec.backlogPerTask!);
  }
}

/**
 * clamd beside the scanner, on loopback: our limits (infra/clamav), the
 * official databases baked into the clamav/clamav image and kept current by
 * its freshclam daemon (12 checks a day; clamd's SelfCheck picks them up).
 */
function addClamd(
  task: ecs.FargateTaskDefinition,
  scanner: ecs.ContainerDefinition,
  image: ecs.ContainerImage,
  logGroup: logs.ILogGroup,
): void {
  const clamd = task.addContainer('clamd', {
    image,
    essential: true,
    environment: { FRESHCLAM_CHECKS: '12' },
    logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'clamd' }),
    healthCheck: {
      command: ['CMD', 'clamdcheck.sh'],
      interval: Duration.seconds(30),
      timeout: Duration.seconds(10),
      retries: 10,
      // Loading the official databases takes a minute or two.
      startPeriod: Duration.seconds(300),
    },
  });
  scanner.addContainerDependencies({
    container: clamd,
    condition: ecs.ContainerDependencyCondition.HEALTHY,
  });
}
