import { Duration } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ecsPatterns from 'aws-cdk-lib/aws-ecs-patterns';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { API_PORT, APP_SPECS, HEALTH_PORT } from './app-specs.ts';
import { CAPACITY_SETTINGS } from './capacity-settings.ts';
import type { ComputeContext } from './compute-context.ts';
import {
  addAppContainer,
  addMigrations,
  createLogGroup,
  createTaskDefinition,
  httpHealthCheck,
} from './containers.ts';

/**
 * The upload-api behind an internet-facing Application Load Balancer: HTTPS
 * with the given certificate (HTTP redirected), tasks reachable only from the
 * load balancer, scaled on CPU. The target group checks /readyz (PostgreSQL
 * and S3 answer), so a deploy whose tasks cannot reach either rolls back.
 */
export class ApiService extends Construct {
  readonly service: ecs.FargateService;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly task: ecs.FargateTaskDefinition;

  constructor(scope: Construct, id: string, ctx: ComputeContext) {
    super(scope, id);
    const { settings, network } = ctx;
    const spec = APP_SPECS['upload-api'];
    const range = settings.tasks['upload-api'];
    this.task = createTaskDefinition(this, 'Task', {
      cpu: spec.cpu,
      memoryMiB: spec.memoryMiB,
      role: ctx.roles.byName['upload-api'],
      architecture: settings.cpuArchitecture,
    });
    const logGroup = createLogGroup(this, 'upload-api', settings.logRetentionDays);
    const container = addAppContainer(this.task, 'upload-api', {
      image: ctx.images.app,
      command: ['upload-api'],
      ...ctx.environmentOf('upload-api'),
      logGroup,
      healthCheck: httpHealthCheck(API_PORT),
      portMappings: [{ containerPort: API_PORT }],
      stopTimeoutSeconds: 30,
    });
    addMigrations(this.task, container, {
      image: ctx.images.app,
      database: ctx.database,
      logGroup,
      app: 'upload-api',
    });

    const certificate = settings.certificateArn
      ? acm.Certificate.fromCertificateArn(this, 'Certificate', settings.certificateArn)
      : undefined;
    const fargate = new ecsPatterns.ApplicationLoadBalancedFargateService(this, 'Service', {
      cluster: ctx.cluster,
      taskDefinition: this.task,
      // No desiredCount: a deploy keeps whatever count scaling chose.
      publicLoadBalancer: true,
      taskSubnets: network.taskSubnets,
      assignPublicIp: network.assignPublicIp,
      ...(certificate
        ? {
            certificate,
            protocol: elbv2.ApplicationProtocol.HTTPS,
            redirectHTTP: true,
            sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
          }
        : { protocol: elbv2.ApplicationProtocol.HTTP }),
      circuitBreaker: { enable: true, rollback: true },
      minHealthyPercent: 100,
      healthCheckGracePeriod: Duration.seconds(60),
    });
    fargate.targetGroup.configureHealthCheck({
      path: '/readyz',
      healthyHttpCodes: '200',
      interval: Duration.seconds(15),
      healthyThresholdCount: 2,
      unhealthyThresholdCount: 3,
    });
    fargate.targetGroup.setAttribute('deregistration_delay.timeout_seconds', '30');
    fargate.loadBalancer.setAttribute('routing.http.drop_invalid_header_fields.enabled', 'true');
    ctx.database.allowFrom(fargate.service);
    // The API's METRICS_PORT is HEALTH_PORT (app-environment.ts), never on the load balancer.
    if (ctx.metricsScrapers)
      fargate.service.connections.allowFrom(
        ctx.metricsScrapers,
        ec2.Port.tcp(HEALTH_PORT),
        'Prometheus scrapes /metrics',
      );
    fargate.service
      .autoScaleTaskCount({ minCapacity: range.min, maxCapacity: range.max })
      .scaleOnCpuUtilization('Cpu', {
        // The CPU the capacity model keeps every task at (docs/capacity.md).
        targetUtilizationPercent: CAPACITY_SETTINGS.targetCpuPercent,
      });

    this.service = fargate.service;
    this.loadBalancer = fargate.loadBalancer;
  }
}
