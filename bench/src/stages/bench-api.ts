import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '@airlock/dev-stack';

const API_MAIN = fileURLToPath(new URL('../../../apps/upload-api/src/main.ts', import.meta.url));

export type BenchApi = {
  readonly url: string;
  /** Its `/metrics` page (the API's own port for metrics and probes). */
  readonly metricsUrl: string;
  readonly pid: number;
  stop(): Promise<void>;
};

/**
 * An upload-api process of the bench's own (apps/upload-api/src/main.ts), on
 * the stack's database and S3 with the bench's environment, `env` on top and
 * `unset` removed; resolves once it is ready.
 */
export async function startBenchApi(
  env: NodeJS.ProcessEnv,
  unset: readonly string[] = [],
): Promise<BenchApi> {
  const [port, metricsPort] = [await freePort('127.0.0.1'), await freePort('127.0.0.1')];
  const merged: NodeJS.ProcessEnv = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(port),
    METRICS_HOST: '127.0.0.1',
    METRICS_PORT: String(metricsPort),
    LOG_LEVEL: 'warn',
    ...env,
  };
  for (const name of unset) delete merged[name];
  const child = spawn(process.execPath, [API_MAIN], {
    env: merged,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = await fetch(`${url}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('the bench upload-api did not become ready');
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
