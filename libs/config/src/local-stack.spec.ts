import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localStackEnv, localStackHome, localStackStateFile } from './local-stack.ts';

describe('the local stack state, as the CLI reads it', () => {
  let home: string;

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'airlock-home-'));
  });

  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('is .airlock/ at the repository root unless AIRLOCK_HOME moves it', () => {
    expect(localStackHome({})).toMatch(/\/\.airlock$/);
    expect(localStackHome({ AIRLOCK_HOME: home })).toBe(home);
    expect(localStackStateFile({ AIRLOCK_HOME: home })).toBe(join(home, 'stack.json'));
  });

  it("gives the running stack's environment, and nothing when it is not up", () => {
    expect(localStackEnv({ AIRLOCK_HOME: home })).toBeUndefined();
    writeFileSync(
      join(home, 'stack.json'),
      JSON.stringify({
        env: { DATABASE_URL: 'postgres://127.0.0.1/airlock' },
        managedPostgres: true,
      }),
    );
    expect(localStackEnv({ AIRLOCK_HOME: home })).toEqual({
      DATABASE_URL: 'postgres://127.0.0.1/airlock',
    });
  });
});
