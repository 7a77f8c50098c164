import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';

export type Network = {
  readonly vpc: ec2.Vpc;
  /** Where the tasks run: behind NAT, or public with public IPs when there is no NAT. */
  readonly taskSubnets: ec2.SubnetSelection;
  readonly assignPublicIp: boolean;
};

/**
 * Two AZs: public subnets for the load balancer (and NAT), private ones for
 * the tasks, isolated ones for the database. S3 traffic takes a free gateway
 * endpoint instead of NAT, whose per-GB charge would otherwise apply to every
 * byte the workers read and write.
 */
export function createNetwork(scope: Construct, settings: { natGateways: number }): Network {
  const withNat = settings.natGateways > 0;
  const vpc = new ec2.Vpc(scope, 'Vpc', {
    maxAzs: 2,
    natGateways: settings.natGateways,
    restrictDefaultSecurityGroup: true,
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
      ...(withNat
        ? [{ name: 'tasks', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 }]
        : []),
      { name: 'database', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
    ],
    gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
  });
  return {
    vpc,
    taskSubnets: {
      subnetType: withNat ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PUBLIC,
    },
    assignPublicIp: !withNat,
  };
}
