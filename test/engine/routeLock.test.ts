import { advisoryKey, inProcessLocks, postgresLocks } from '../../src/engine/routeLock';
import { routeKey } from '../../src/engine/route';
import { postgresUrl } from '../support/databases';

describe('route locks', () => {
  it('hashes a route to a stable signed 64-bit key', () => {
    expect(advisoryKey('a')).toBe(advisoryKey('a'));
    expect(advisoryKey('a')).not.toBe(advisoryKey('b'));
    const n = BigInt(advisoryKey('route'));
    expect(n >= -(2n ** 63n) && n < 2n ** 63n).toBe(true);
  });

  it('names a both-ways route the same whichever end is written first', () => {
    const r = { source: 'http://a/sdata/x/c/-', target: 'http://b/sdata/y/c/-', direction: 'bothWays' as const, schedule: '* * * * *' };
    expect(routeKey(r)).toBe(routeKey({ ...r, source: r.target, target: r.source }));
    expect(routeKey({ ...r, direction: 'oneWay' })).not.toBe(routeKey({ ...r, direction: 'oneWay', source: r.target, target: r.source }));
  });

  it('in one process: a held route cannot be taken again until released', async () => {
    const locks = inProcessLocks();
    const release = await locks.tryAcquire('r');
    expect(release).toBeDefined();
    expect(await locks.tryAcquire('r')).toBeUndefined();
    expect(await locks.tryAcquire('other')).toBeDefined();
    await release!();
    expect(await locks.tryAcquire('r')).toBeDefined();
  });
});

(postgresUrl ? describe : describe.skip)('[postgres] route locks across engine processes (two sessions)', () => {
  it('one session holds the route; the other is refused until it is released or the session ends', async () => {
    const key = `route-${Date.now()}-${Math.random()}`;
    const a = await postgresLocks(postgresUrl!);
    const b = await postgresLocks(postgresUrl!);
    try {
      const releaseA = await a.tryAcquire(key);
      expect(releaseA).toBeDefined();
      expect(await b.tryAcquire(key)).toBeUndefined();
      expect(await a.tryAcquire(key)).toBeUndefined();
      await releaseA!();
      const releaseB = await b.tryAcquire(key);
      expect(releaseB).toBeDefined();
      await b.close(); // a session that ends releases its locks
      const again = await a.tryAcquire(key);
      expect(again).toBeDefined();
      await again!();
    } finally {
      await a.close();
      await b.close();
    }
  });
});
