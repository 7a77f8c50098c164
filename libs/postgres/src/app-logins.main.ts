// `docker run airlock migrate` runs this after the migrations, as their owner:
// for every app whose password is set (AIRLOCK_DB_PASSWORD_UPLOAD_API,
// _VERIFIER, _SCANNER, _MEDIA, _NOTIFIER, _OPS), it creates or updates the
// app's LOGIN role (`airlock_<app>_app`, a member of its group role only).
// Apps whose password is unset are left alone.
import { appLoginRole, DATABASE_APPS, ensureAppLogin } from './app-logins.ts';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('Set DATABASE_URL (the migration owner)');
const passwordEnv = (app: string) =>
  `AIRLOCK_DB_PASSWORD_${app.toUpperCase().replaceAll('-', '_')}`;
for (const app of DATABASE_APPS) {
  const password = process.env[passwordEnv(app)];
  if (!password) continue;
  await ensureAppLogin(url, app, password);
  console.log(`database login ${appLoginRole(app)} ready`);
}
