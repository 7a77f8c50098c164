import { createServer } from 'node:net';
import { freePort, isReplicaOf, replicaCount, replicaNames } from './replicas.ts';

describe('the local stack replicas', () => {
  it('one replica keeps the app name; several are numbered from 1', () => {
    expect(replicaNames('verifier', 1)).toEqual(['verifier']);
    expect(replicaNames('upload-api', 3)).toEqual(['upload-api-1', 'upload-api-2', 'upload-api-3']);
  });

  it('the count comes from the setting, else from the running stack, else 1', () => {
    expect(replicaCount(undefined)).toBe(1);
    expect(replicaCount('', 3)).toBe(3);
    expect(replicaCount(undefined, 2)).toBe(2);
    expect(replicaCount('3', 1)).toBe(3);
    for (const wrong of ['0', '-1', '1.5', 'three', '9']) {
      expect(() => replicaCount(wrong)).toThrow(
        /AIRLOCK_DEV_REPLICAS: expected a whole number from 1 to 8/,
      );
    }
  });

  it('knows an app replicas by name, not apps whose names merely start alike', () => {
    expect(isReplicaOf('verifier', 'verifier')).toBe(true);
    expect(isReplicaOf('verifier', 'verifier-12')).toBe(true);
    expect(isReplicaOf('upload-api', 'upload-api-2')).toBe(true);
    expect(isReplicaOf('verifier', 'verifier-x')).toBe(false);
    expect(isReplicaOf('web', 'web-demo')).toBe(false);
    expect(isReplicaOf('upload-api', 'api-balancer')).toBe(false);
  });
});

describe('freePort', () => {
  it('finds a port below the ephemeral range that can be listened on', async () => {
    const port = await freePort('127.0.0.1');
    expect(port).toBeGreaterThanOrEqual(20_000);
    expect(port).toBeLessThan(32_768);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});
