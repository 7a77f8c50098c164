import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import type { ComputeContext } from './compute-context.ts';
import {
  addAppContainer,
  addMigrations,
  createLogGroup,
  createTaskDefinition,
} from './containers.ts';

/**
 * The `airlock` CLI as a task definition with the ops role: scheduled for
 * `airlock sweep` and `airlock db prune`, and run by hand for anything else (`aws ecs run-task`
 * with a command override, e.g. `["airlock", "dlq", "list"]`). It runs as
 * airlock_ops_app; like every task, a `migrate` container first applies
 * pending migrations and creates or refreshes that login.
 */
export class OpsTask extends Construct {
  readonly task: ecs.FargateTaskDefinition;
  readonly securityGroup: ec2.SecurityGroup;
  readonly containerName = 'ops';

  constructor(scope: Construct, id: string, ctx: ComputeContext) {
    super(scope, id);
    const { settings, network } = ctx;
    this.task = createTaskDefinition(this, 'Task', {
      cpu: 256,
      memoryMiB: 512,
      role: ctx.roles.byName.ops,
      architecture: settings.cpuArchitecture,
    });
    const logGroup = createLogGroup(this, 'ops', settings.logRetentionDays);
    // As airlock_ops_app; its migrate creates or refreshes that login first.
    const container = addAppContainer(this.task, this.containerName, {
      image: ctx.images.app,
      command: ['airlock', 'sweep', '--json'],
      ...ctx.environmentOf('ops'),
      logGroup,
    });
    addMigrations(this.task, container, {
      image: ctx.images.app,
      database: ctx.database,
      logGroup,
      app: 'ops',
    });
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: network.vpc,
      description: 'Airlock ops tasks: no inbound',
      allowAllOutbound: true,
    });
    ctx.database.allowFrom(this.securityGroup);

    const runTask = (overrides?: targets.ContainerOverride[]) =>
      new targets.EcsTask({
        cluster: ctx.cluster,
        taskDefinition: this.task,
        subnetSelection: network.taskSubnets,
        assignPublicIp: network.assignPublicIp,
        securityGroups: [this.securityGroup],
        platformVersion: ecs.FargatePlatformVersion.LATEST,
        containerOverrides: overrides,
      });
    if (settings.sweepSchedule) {
      new events.Rule(this, 'SweepSchedule', {
        description: 'airlock sweep: expire abandoned pending uploads and remove their objects',
        schedule: events.Schedule.expression(settings.sweepSchedule),
        targets: [runTask()],
      });
    }
    if (settings.pruneSchedule) {
      new events.Rule(this, 'PruneSchedule', {
        description:
          'airlock db prune: month partitions ahead, and the retention policy (docs/retention.md)',
        schedule: events.Schedule.expression(settings.pruneSchedule),
        targets: [
          runTask([
            {
              containerName: this.containerName,
              command: ['airlock', 'db', 'prune', '--json'],
              environment: [
                {
                  name: 'RETENTION_TERMINAL_UPLOADS_DAYS',
                  value: String(settings.terminalUploadsRetentionDays),
                },
              ],
            },
          ]),
        ],
      });
    }
  }
}
