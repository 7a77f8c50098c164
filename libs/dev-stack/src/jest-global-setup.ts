import { up } from './stack.ts';

/**
 * Integration suites run against the real local stack: bring it up (a no-op
 * when it already runs) and hand its environment to the test workers.
 */
export default async function globalSetup(): Promise<void> {
  const env = await up();
  Object.assign(process.env, env);
}
