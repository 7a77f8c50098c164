import { Annotations, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { RoleName } from './app-access.ts';
import { APP_NAMES, type AirlockSettings } from './settings.ts';

/** Where the Dockerfile puts the RDS CA bundle, so `verify-full` can check the server. */
export const RDS_CA_BUNDLE = '/etc/ssl/certs/rds-global-bundle.pem';
const DB_NAME = 'airlock';
const DB_USER = 'airlock';

/** Plain environment and ECS secrets for one container. */
export type DatabaseCredentials = {
  readonly environment: Readonly<Record<string, string>>;
  readonly secrets: Readonly<Record<string, ecs.Secret>>;
};

/** How tasks reach PostgreSQL: each app as its own login, `migrate` as the owner. */
export type DatabaseAccess = {
  /** `app`'s container: its own login (`airlock_<app>_app`), password from its own secret. */
  forApp(app: RoleName): DatabaseCredentials;
  /**
   * The `migrate` container of `app`'s task: the owner (migrations), plus
   * `app`'s login password, which it creates or resets the login with
   * (AIRLOCK_DB_PASSWORD_<APP>, libs/postgres/src/app-logins.main.ts).
   */
  forMigrate(app: RoleName): DatabaseCredentials;
  /** Each app's login password secret; none when every app shares the operator's URL. */
  readonly appSecrets: Readonly<Partial<Record<RoleName, secretsmanager.ISecret>>>;
  allowFrom(peer: ec2.IConnectable): void;
  readonly instance: rds.DatabaseInstance | undefined;
};

/** The LOGIN role of `app` (libs/postgres/src/app-logins.ts `appLoginRole`). */
export const appLoginRole = (app: RoleName): string => `airlock_${app.replaceAll('-', '_')}_app`;
/** What the image's migrate reads `app`'s login password from. */
export const appPasswordEnv = (app: RoleName): string =>
  `AIRLOCK_DB_PASSWORD_${app.toUpperCase().replaceAll('-', '_')}`;

type DatabaseSettings = Pick<
  AirlockSettings,
  | 'databaseUrlSecretArn'
  | 'databaseAppUrl'
  | 'dbInstanceType'
  | 'dbMultiAz'
  | 'dbDeletionProtection'
>;

/** `postgres://host…` → `postgres://user@host…` (string surgery: an RDS endpoint is a token until deploy). */
const withUser = (base: string, user: string): string =>
  base.replace(/^(postgres(?:ql)?:\/\/)/, `$1${user}@`);

/** One generated password per app login, in its own secret (only that app's task reads it). */
function createAppSecrets(scope: Construct): Record<RoleName, secretsmanager.Secret> {
  const secrets = {} as Record<RoleName, secretsmanager.Secret>;
  for (const app of [...APP_NAMES, 'ops'] as const) {
    const login = appLoginRole(app);
    secrets[app] = new secretsmanager.Secret(scope, `DatabaseLogin-${app}`, {
      description: `Airlock PostgreSQL login ${login} (the ${app}'s own role)`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: login }),
        generateStringKey: 'password',
        passwordLength: 32,
        excludePunctuation: true,
      },
    });
  }
  return secrets;
}

/**
 * Each app's credentials, given the URL it connects to without user or
 * password (`base`) and the owner's credentials for `migrate`. The app's URL
 * names its login and no password: node-postgres falls back to PGPASSWORD,
 * which ECS injects from the app's own secret, so no password appears in a
 * task definition and no app ever holds the owner's.
 */
function perAppLogins(
  scope: Construct,
  base: string,
  owner: DatabaseCredentials,
): Pick<DatabaseAccess, 'forApp' | 'forMigrate' | 'appSecrets'> {
  const appSecrets = createAppSecrets(scope);
  const password = (app: RoleName) => ecs.Secret.fromSecretsManager(appSecrets[app], 'password');
  return {
    appSecrets,
    forApp: (app) => ({
      environment: { DATABASE_URL: withUser(base, appLoginRole(app)) },
      secrets: { PGPASSWORD: password(app) },
    }),
    forMigrate: (app) => ({
      environment: owner.environment,
      secrets: { ...owner.secrets, [appPasswordEnv(app)]: password(app) },
    }),
  };
}

/**
 * An operator's PostgreSQL (a secret holding the owner's whole `postgres://`
 * URL), or an RDS instance in the isolated subnets whose master user owns the
 * schema. Either way only `migrate` uses the owner; each app runs as its own
 * login, a member of the group role the app-roles migration grants exactly
 * what that app's queries use. An operator's database without
 * `databaseAppUrl` cannot do that (the host is inside the secret): every app
 * then shares the one URL, with a synth-time warning.
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
    const owner = {
      environment: {},
      secrets: { DATABASE_URL: ecs.Secret.fromSecretsManager(url) },
    };
    const network = { allowFrom: () => {}, instance: undefined };
    if (settings.databaseAppUrl) {
      return { ...perAppLogins(scope, settings.databaseAppUrl, owner), ...network };
    }
    Annotations.of(scope).addWarningV2(
      'airlock:shared-database-login',
      'databaseUrlSecretArn without databaseAppUrl: every app connects with that one URL, so ' +
        'any app can alter the schema and the append-only audit trigger. Set databaseAppUrl ' +
        '(postgres://host:port/db?sslmode=verify-full, no credentials) to run each app as its own login.',
    );
    return { forApp: () => owner, forMigrate: () => owner, appSecrets: {}, ...network };
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
  const base = `postgres://${endpoint}/${DB_NAME}?sslmode=verify-full&sslrootcert=${RDS_CA_BUNDLE}`;
  const owner = {
    environment: { DATABASE_URL: withUser(base, DB_USER) },
    secrets: { PGPASSWORD: ecs.Secret.fromSecretsManager(instance.secret!, 'password') },
  };
  return {
    ...perAppLogins(scope, base, owner),
    allowFrom: (peer) => instance.connections.allowDefaultPortFrom(peer),
    instance,
  };
}
