import { readFileSync } from 'node:fs';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type { RoleName } from '../src/app-access.ts';
import { appLoginRole, appPasswordEnv } from '../src/database.ts';
import { resourcesOf, synth } from './support/synth.ts';

// Issue 12, finding 15: on AWS too, each app connects to PostgreSQL as its own
// login (airlock_<app>_app, a member of the group role the app-roles migration
// grants only what that app's queries use), with a generated password in its
// own secret. Only each task's `migrate` holds the master user, and uses it to
// apply migrations and create or reset that task's app login.

const { stack, template } = synth();
const resources = template.toJSON().Resources as Record<string, any>;
type Task = ecs.FargateTaskDefinition;
const TASKS: [RoleName, Task][] = [
  ['upload-api', stack.api.task],
  ['verifier', stack.workers.verifier.task],
  ['scanner', stack.workers.scanner.task],
  ['media', stack.workers.media.task],
  ['notifier', stack.workers.notifier.task],
  ['ops', stack.ops.task],
];
const APPS = TASKS.map(([app]) => app);

const idOf = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);
const propertiesOf = (task: Task) => resources[idOf(task)].Properties;
const container = (task: Task, name: string) =>
  (propertiesOf(task).ContainerDefinitions as any[]).find((c) => c.Name === name)!;
const envOf = (c: any): Record<string, unknown> =>
  Object.fromEntries((c.Environment as any[]).map((e) => [e.Name, e.Value]));
const secretsOf = (c: any): Record<string, unknown> =>
  Object.fromEntries((c.Secrets as any[]).map((s) => [s.Name, s.ValueFrom]));

/** The generated secret of `app`'s login, by its description. */
const appSecretId = (app: RoleName): string => {
  const found = resourcesOf(template, 'AWS::SecretsManager::Secret').filter((s) =>
    String(s.properties.Description).includes(`login ${appLoginRole(app)} `),
  );
  expect(found).toHaveLength(1);
  return found[0]!.id;
};
/** The RDS master user's secret, as tasks reference it (through its attachment to the instance). */
const masterSecretId = resourcesOf(template, 'AWS::SecretsManager::SecretTargetAttachment')[0]!.id;
const masterSecretItself = resources[masterSecretId].Properties.SecretId.Ref as string;
/** `ValueFrom` of a secret's `password` field. */
const passwordOf = (secretId: string) => ({
  'Fn::Join': ['', [{ Ref: secretId }, ':password::']],
});

describe('one PostgreSQL login per app', () => {
  it('names the logins the libs/postgres migrate creates, in the app-roles migration’s groups', () => {
    const migration = readFileSync(
      new URL('../../libs/postgres/migrations/1764000900000_app-roles.sql', import.meta.url),
      'utf8',
    );
    const logins = readFileSync(
      new URL('../../libs/postgres/src/app-logins.ts', import.meta.url),
      'utf8',
    );
    const main = readFileSync(
      new URL('../../libs/postgres/src/app-logins.main.ts', import.meta.url),
      'utf8',
    );
    expect(logins).toContain('`${APP_DATABASE_ROLES[app]}_app`');
    expect(main).toContain("`AIRLOCK_DB_PASSWORD_${app.toUpperCase().replaceAll('-', '_')}`");
    for (const app of APPS) {
      const group = appLoginRole(app).replace(/_app$/, '');
      expect(logins).toMatch(new RegExp(`'?${app}'?: '${group}',`));
      expect(migration).toContain(`'${group}'`);
    }
    expect(appLoginRole('upload-api')).toBe('airlock_upload_api_app');
    expect(appPasswordEnv('upload-api')).toBe('AIRLOCK_DB_PASSWORD_UPLOAD_API');
  });

  it('generates one password per app, each in its own secret', () => {
    const ids = APPS.map(appSecretId);
    expect(new Set(ids).size).toBe(APPS.length);
    for (const app of APPS) {
      expect(resources[appSecretId(app)].Properties.GenerateSecretString).toEqual({
        SecretStringTemplate: JSON.stringify({ username: appLoginRole(app) }),
        GenerateStringKey: 'password',
        PasswordLength: 32,
        ExcludePunctuation: true,
      });
    }
  });

  it.each(APPS)('runs %s as its own login, its password injected from its own secret', (app) => {
    const task = TASKS.find(([name]) => name === app)![1];
    const c = container(task, app);
    const url = JSON.stringify(envOf(c).DATABASE_URL);
    expect(url).toContain(`"postgres://${appLoginRole(app)}@"`);
    expect(url).toContain('sslmode=verify-full');
    expect(url).not.toMatch(/postgres:\/\/[^"]*:[^"]*@/); // no password in the task definition
    const secrets = secretsOf(c);
    expect(secrets.PGPASSWORD).toEqual(passwordOf(appSecretId(app)));
    expect(Object.keys(secrets).filter((name) => name !== 'FOLDER_SECRET')).toEqual(['PGPASSWORD']);
  });

  it.each(APPS)(
    '%s’s migrate alone has the master user, and that app’s password to set its login',
    (app) => {
      const task = TASKS.find(([name]) => name === app)![1];
      const migrate = container(task, 'migrate');
      expect(migrate).toMatchObject({ Command: ['migrate'], Essential: false });
      expect(JSON.stringify(envOf(migrate).DATABASE_URL)).toContain('"postgres://airlock@"');
      expect(secretsOf(migrate)).toEqual({
        PGPASSWORD: passwordOf(masterSecretId),
        [appPasswordEnv(app)]: passwordOf(appSecretId(app)),
      });
      expect(container(task, app).DependsOn).toContainEqual({
        ContainerName: 'migrate',
        Condition: 'SUCCESS',
      });
    },
  );

  it('lets no app container see the master password', () => {
    for (const [app, task] of TASKS) {
      expect(JSON.stringify(container(task, app))).not.toContain(masterSecretId);
      expect(JSON.stringify(container(task, app))).not.toContain(masterSecretItself);
    }
  });

  it.each(APPS)(
    '%s’s execution role reads only its own login’s secret (and the master, for migrate)',
    (app) => {
      const task = TASKS.find(([name]) => name === app)![1];
      const roleId = propertiesOf(task).ExecutionRoleArn['Fn::GetAtt'][0] as string;
      const readable = resourcesOf(template, 'AWS::IAM::Policy')
        .filter((p) => (p.properties.Roles as any[]).some((r) => r.Ref === roleId))
        .flatMap((p) => p.properties.PolicyDocument.Statement as any[])
        .filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'))
        .flatMap((s) => [s.Resource].flat())
        .map((r) => r.Ref as string);
      const folder =
        app === 'upload-api' ? [idOf(stack.node.findChild('FolderSecret') as never)] : [];
      expect(readable.sort()).toEqual([appSecretId(app), masterSecretId, ...folder].sort());
    },
  );

  it('gives task roles (what the app code runs with) no Secrets Manager access at all', () => {
    for (const [, task] of TASKS) {
      const roleId = propertiesOf(task).TaskRoleArn['Fn::GetAtt'][0] as string;
      const role = resources[roleId];
      const inline = (role.Properties.Policies ?? []).flatMap(
        (p: any) => p.PolicyDocument.Statement,
      );
      const attached = resourcesOf(template, 'AWS::IAM::Policy')
        .filter((p) => (p.properties.Roles as any[]).some((r) => r.Ref === roleId))
        .flatMap((p) => p.properties.PolicyDocument.Statement);
      expect(JSON.stringify([...inline, ...attached])).not.toContain('secretsmanager:');
    }
  });
});
