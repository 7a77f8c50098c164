import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { AirlockSettings } from './settings.ts';

/** Where the Dockerfile puts the RDS CA bundle, so `verify-full` can check the server. */
export const RDS_CA_BUNDLE = '/etc/ssl/certs/rds-global-bundle.pem';
const DB_NAME = 'airlock';
const DB_USER = 'airlock';

/** How a task reaches PostgreSQL: plain environment, secrets, and the network path. */
export type DatabaseAccess = {
  readonly environment: Readonly<Record<string, string>>;
  readonly secrets: Readonly<Record<string, ecs.Secret>>;
  allowFrom(peer: ec2.IConnectable): void;
  readonly instance: rds.DatabaseInstance | undefined;
};

type DatabaseSettings = Pick<
  AirlockSettings,
  'databaseUrlSecretArn' | 'dbInstanceType' | 'dbMultiAz' | 'dbDeletionProtection'
>;

/**
 * An operator's PostgreSQL (a secret holding the whole `postgres://` URL), or
 * an RDS instance in the isolated subnets. For RDS, DATABASE_URL carries no
 * password: node-postgres falls back to PGPASSWORD, which ECS injects from
 * the generated secret, so the password never appears in the task definition.
 */
export function createDatabase(
  scope: Construct,
  vpc: ec2.IVpc,
  settings: DatabaseSettings,
): DatabaseAccess {
  if (settings.databaseUrlSecretArn) {
    const url = secretsmanager.Secret.fromSecretCompleteArn(
      scope,
      'DatabaseUrl',
      settings.databaseUrlSecretArn,
    );
    return {
      environment: {},
      secrets: { DATABASE_URL: ecs.Secret.fromSecretsManager(url) },
      allowFrom: () => {},
      instance: undefined,
    };
  }

  const engine = rds.DatabaseInstanceEngine.postgres({
    version: rds.PostgresEngineVersion.VER_17,
  });
  const instance = new rds.DatabaseInstance(scope, 'Database', {
    engine,
    instanceType: new ec2.InstanceType(settings.dbInstanceType),
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    databaseName: DB_NAME,
    credentials: rds.Credentials.fromGeneratedSecret(DB_USER),
    parameterGroup: new rds.ParameterGroup(scope, 'DatabaseParameters', {
      engine,
      parameters: { 'rds.force_ssl': '1' },
    }),
    caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
    storageType: rds.StorageType.GP3,
    allocatedStorage: 20,
    maxAllocatedStorage: 100,
    storageEncrypted: true,
    multiAz: settings.dbMultiAz,
    publiclyAccessible: false,
    backupRetention: Duration.days(7),
    deletionProtection: settings.dbDeletionProtection,
    removalPolicy: RemovalPolicy.SNAPSHOT,
  });
  const endpoint = `${instance.dbInstanceEndpointAddress}:${instance.dbInstanceEndpointPort}`;
  return {
    environment: {
      DATABASE_URL: `postgres://${DB_USER}@${endpoint}/${DB_NAME}?sslmode=verify-full&sslrootcert=${RDS_CA_BUNDLE}`,
    },
    secrets: { PGPASSWORD: ecs.Secret.fromSecretsManager(instance.secret!, 'password') },
    allowFrom: (peer) => instance.connections.allowDefaultPortFrom(peer),
    instance,
  };
}
