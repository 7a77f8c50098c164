import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { RoleName } from './app-access.ts';
import type { DatabaseAccess } from './database.ts';

const TMP_VOLUME = 'tmp';

type TaskProps = {
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly role: iam.IRole;
  readonly architecture: 'x86_64' | 'arm64';
};

/** A Fargate task with the app's own role and a writable /tmp (root filesystems are read-only). */
export function createTaskDefinition(
  scope: Construct,
  id: string,
  props: TaskProps,
): ecs.FargateTaskDefinition {
  const task = new ecs.FargateTaskDefinition(scope, id, {
    cpu: props.cpu,
    memoryLimitMiB: props.memoryMiB,
    taskRole: props.role,
    runtimePlatform: {
      operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      cpuArchitecture:
        props.architecture === 'arm64' ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
    },
  });
  task.addVolume({ name: TMP_VOLUME });
  return task;
}

export function createLogGroup(scope: Construct, name: string, retentionDays: number) {
  return new logs.LogGroup(scope, `${name}Logs`, {
    logGroupName: `/${Stack.of(scope).stackName}/${name}`,
    retention: retentionDays as logs.RetentionDays,
    removalPolicy: RemovalPolicy.DESTROY,
  });
}

/** `node -e` probe: the images have no curl, and every app answers /healthz. */
export const httpHealthCheck = (port: number): ecs.HealthCheck => ({
  command: [
    'CMD',
    'node',
    '-e',
    `fetch('http://127.0.0.1:${port}/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
  ],
  interval: Duration.seconds(15),
  timeout: Duration.seconds(5),
  retries: 3,
  startPeriod: Duration.seconds(30),
});

export type AppContainerProps = {
  readonly image: ecs.ContainerImage;
  /** Arguments of the image's entrypoint: the app name first (see infra/docker/entrypoint.sh). */
  readonly command: string[];
  readonly environment: Record<string, string>;
  readonly secrets: Record<string, ecs.Secret>;
  readonly logGroup: logs.ILogGroup;
  readonly healthCheck?: ecs.HealthCheck;
  readonly portMappings?: ecs.PortMapping[];
  readonly essential?: boolean;
  /** Seconds between SIGTERM and SIGKILL: workers finish in-flight messages first. */
  readonly stopTimeoutSeconds?: number;
};

export function addAppContainer(
  task: ecs.FargateTaskDefinition,
  name: string,
  props: AppContainerProps,
): ecs.ContainerDefinition {
  const container = task.addContainer(name, {
    image: props.image,
    command: props.command,
    environment: props.environment,
    secrets: props.secrets,
    essential: props.essential ?? true,
    readonlyRootFilesystem: true,
    // tini as PID 1: signals reach node, and nothing is left unreaped.
    linuxParameters: new ecs.LinuxParameters(task, `${name}Linux`, { initProcessEnabled: true }),
    logging: ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: name }),
    healthCheck: props.healthCheck,
    portMappings: props.portMappings,
    stopTimeout: props.stopTimeoutSeconds ? Duration.seconds(props.stopTimeoutSeconds) : undefined,
  });
  container.addMountPoints({ sourceVolume: TMP_VOLUME, containerPath: '/tmp', readOnly: false });
  return container;
}

/**
 * Every task applies pending migrations before its app starts: a one-shot,
 * non-essential container the app waits for (SUCCESS). node-pg-migrate holds
 * an advisory lock, so tasks starting together apply each migration once,
 * and a deploy's new code never runs on the old schema. It alone has the
 * owner's credentials; it then creates or resets `app`'s own login with the
 * password from `app`'s secret (so a changed secret takes effect here too).
 */
export function addMigrations(
  task: ecs.FargateTaskDefinition,
  app: ecs.ContainerDefinition,
  props: {
    image: ecs.ContainerImage;
    database: DatabaseAccess;
    logGroup: logs.ILogGroup;
    /** Whose login this task's migrate creates or refreshes. */
    app: RoleName;
  },
): ecs.ContainerDefinition {
  const owner = props.database.forMigrate(props.app);
  const migrate = addAppContainer(task, 'migrate', {
    image: props.image,
    command: ['migrate'],
    environment: { ...owner.environment },
    secrets: { ...owner.secrets },
    logGroup: props.logGroup,
    essential: false,
  });
  app.addContainerDependencies({
    container: migrate,
    condition: ecs.ContainerDependencyCondition.SUCCESS,
  });
  return migrate;
}
