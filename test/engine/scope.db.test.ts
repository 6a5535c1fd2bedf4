/**
 * Distribution scopes with clusters (hub -> cluster masters -> members): seven endpoints in one server on
 * loopback, on PGlite and PostgreSQL. Two-phase reaches all seven or none; one-phase through the masters
 * converges all seven.
 */
import { startServer, type RunningServer } from '../../src/endpoint/server';
import { distributionSchema } from '../../src/config/engineSchema';
import { SDataClient } from '../../src/engine/sdataClient';
import { runScope, scopeTargets } from '../../src/engine/scope';
import { startEngine } from '../../src/engine/daemon';
import { engineSchema } from '../../src/config/engineSchema';
import { waitUntil } from '../e2e/support/sdata';
import { sameTicks } from '../../src/protocol/digest';
import { describeEachDatabase } from '../support/databases';
import { create, digestOf, readAll, valuesByUuid } from '../e2e/support/sdata';
import { sitesConfig } from './support/sites';

const fast = { attempts: 2, startingDelayMillis: 1, maxDelayMillis: 5 };
const client = () => new SDataClient({ run: { runName: 'scope', runStamp: new Date().toISOString() }, retry: fast });

describeEachDatabase('distribution scope with clusters', (tdb) => {
  let server: RunningServer;
  const ep = (site: string) => `${server.url}/sdata/${site}/test/-/accounts`;
  const scope = (phases: 1 | 2, members2: string[]) =>
    distributionSchema.parse({
      name: 'clustered',
      source: ep('hub'),
      clusters: [
        { master: ep('m1'), members: [ep('m1a'), ep('m1b')] },
        { master: ep('m2'), members: members2.map(ep) },
      ],
      phases,
      timeoutSeconds: 10,
    });

  beforeAll(async () => {
    const cfg = sitesConfig(['hub', 'm1', 'm1a', 'm1b', 'm2', 'm2a', 'm2b', { name: 'm2strict', integerBalance: true }]);
    server = await startServer(cfg, { db: await tdb.open(), port: 0 });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('prepares every master and member of the scope', () => {
    expect(scopeTargets(scope(2, ['m2a', 'm2b']))).toEqual([ep('m1'), ep('m1a'), ep('m1b'), ep('m2'), ep('m2a'), ep('m2b')]);
  });

  it('two-phase with one member refusing: none of the seven changes', async () => {
    await create(ep('hub'), 'account', { name: 'Priced', balance: '9.99' });
    const sites = ['m1', 'm1a', 'm1b', 'm2', 'm2a', 'm2strict'];
    const before = await Promise.all(sites.map((s) => digestOf(ep(s))));
    const [s] = await runScope(scope(2, ['m2a', 'm2strict']), { client: client() });
    expect(s.decision).toBe('abort');
    expect(s.targets.filter((t) => t.vote !== 'Ack').map((t) => [t.target, t.vote])).toEqual([[ep('m2strict'), 'Nak']]);
    for (const [i, site] of sites.entries()) {
      expect(await readAll(ep(site))).toEqual([]);
      expect(sameTicks(await digestOf(ep(site)), before[i])).toBe(true);
    }
  });

  it('two-phase with every member Acking: all seven hold the change', async () => {
    const [s] = await runScope(scope(2, ['m2a', 'm2b']), { client: client() });
    expect(s.decision).toBe('commit');
    expect(s.targets.map((t) => t.outcome)).toEqual(Array(6).fill('committed'));
    const hub = Object.fromEntries(await valuesByUuid(ep('hub')));
    for (const site of ['m1', 'm1a', 'm1b', 'm2', 'm2a', 'm2b']) expect(Object.fromEntries(await valuesByUuid(ep(site)))).toEqual(hub);
  });

  it('one-phase through the masters converges all seven, changes made at a master included', async () => {
    await create(ep('hub'), 'account', { name: 'From the hub' });
    await create(ep('m2'), 'account', { name: 'From master 2' });
    const summaries = await runScope(scope(1, ['m2a', 'm2b']), { client: client() });
    expect(summaries.map((s) => [s.source, s.targets.map((t) => t.target)])).toEqual([
      [ep('hub'), [ep('m1'), ep('m2')]],
      [ep('m1'), [ep('m1a'), ep('m1b')]],
      [ep('m2'), [ep('m2a'), ep('m2b')]],
    ]);
    expect(summaries.every((s) => s.decision === 'commit')).toBe(true);
    // The master's own change travels back up with an ordinary pass; then everything is everywhere.
    const back = await runScope(distributionSchema.parse({ name: 'up', source: ep('m2'), targets: [ep('hub')] }), { client: client() });
    expect(back[0].decision).toBe('commit');
    await runScope(scope(1, ['m2a', 'm2b']), { client: client() });
    const hub = Object.fromEntries(await valuesByUuid(ep('hub')));
    expect(Object.values(hub).map((v) => v.name).sort()).toEqual(['From master 2', 'From the hub', 'Priced']);
    for (const site of ['m1', 'm1a', 'm1b', 'm2', 'm2a', 'm2b']) expect(Object.fromEntries(await valuesByUuid(ep(site)))).toEqual(hub);
  });

  it('the engine daemon runs a distribution that has a schedule', async () => {
    await create(ep('hub'), 'account', { name: 'Scheduled' });
    const engine = await startEngine(
      engineSchema.parse({ retry: fast, distributions: [{ name: 'every second', source: ep('hub'), targets: [ep('m1')], phases: 2, timeoutSeconds: 10, schedule: '* * * * * *' }] }),
    );
    try {
      await waitUntil('the scheduled distribution reached m1', async () => (await readAll(ep('m1'))).some((r) => r.values.name === 'Scheduled'), 10_000);
    } finally {
      await engine.stop();
    }
  });
});
