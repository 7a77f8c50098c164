import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type { RoleName } from './app-access.ts';
import type { AppEnvironment } from './app-environment.ts';
import type { AppRoles } from './app-roles.ts';
import type { DatabaseAccess } from './database.ts';
import type { Network } from './network.ts';
import type { Queues } from './queues.ts';
import type { AirlockSettings } from './settings.ts';

/** What every service and task is built from. */
export type ComputeContext = {
  readonly settings: AirlockSettings;
  readonly cluster: ecs.Cluster;
  readonly network: Network;
  readonly images: { readonly app: ecs.ContainerImage; readonly clamd: ecs.ContainerImage };
  readonly roles: AppRoles;
  readonly database: DatabaseAccess;
  readonly queues: Queues;
  readonly environmentOf: (app: RoleName) => AppEnvironment;
  /** Who may scrape every task's /metrics port (`metricsScraperSecurityGroupId`); none: nobody. */
  readonly metricsScrapers: ec2.ISecurityGroup | undefined;
};
