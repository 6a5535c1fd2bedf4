/**
 * The store of local changes: endpoint registration, the clock, key allocation, digests and resources,
 * on PGlite and (with DATABASE_URL) PostgreSQL.
 */
import { describeEachDatabase } from '../support/databases';
import { endpointDefs } from '../../src/config/catalog';
import type { Db } from '../../src/store/db';
import { registerEndpoints, type RegisteredEndpoint } from '../../src/store/endpoints';
import { lockClock, setClock, takeTicks } from '../../src/store/clock';
import { allocateKeys, formatKey } from '../../src/store/keys';
import { putDigest, raiseDigestEntries, readDigest } from '../../src/store/digests';
import { createResources, deleteResource, findResource, findResourcesByUuid, updateResource, type LocalEndpoint } from '../../src/store/resources';
import { queryResources, resourceColumns } from '../../src/store/resourceQuery';
import { etagOf } from '../../src/store/versions';
import { SDataError } from '../../src/protocol/diagnosis';
import { CRM, ERP, testConfig } from '../endpoint/support/testConfig';

const cfg = testConfig();

async function clockOf(db: Db, id: number): Promise<number> {
  return Number((await db('endpoints').where('id', id).first()).clock);
}

async function statusOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 0;
  } catch (err) {
    if (err instanceof SDataError) return err.status;
    throw err;
  }
}

describeEachDatabase('local store', (tdb) => {
  let db: Db;
  let endpoints: RegisteredEndpoint[];
  const ep = (url: string): LocalEndpoint => {
    const e = endpoints.find((x) => x.url === url)!;
    return { id: e.id, url: e.url, keys: e.def.keys };
  };

  beforeAll(async () => {
    db = await tdb.open();
    endpoints = await registerEndpoints(db, endpointDefs(cfg));
  });

  describe('endpoint registration', () => {
    it('registers one row per endpoint URL and keeps clocks across restarts', async () => {
      expect(endpoints.map((e) => e.url)).toEqual(expect.arrayContaining([`${CRM}/accounts`, `${CRM}/contacts`, `${CRM}/orders`, `${ERP}/accounts`]));
      const trx = await db.transaction();
      await takeTicks(trx, ep(`${ERP}/contacts`).id, 7);
      await trx.commit();
      const again = await registerEndpoints(db, endpointDefs(cfg));
      expect(again.map((e) => e.id)).toEqual(endpoints.map((e) => e.id));
      expect(await clockOf(db, ep(`${ERP}/contacts`).id)).toBe(8);
    });

    it('keeps a priority set by PUT $syncDigest, but follows a changed configuration', async () => {
      const id = ep(`${ERP}/contacts`).id;
      await db('endpoints').update({ priority: 7 }).where('id', id);
      await registerEndpoints(db, endpointDefs(cfg));
      expect((await db('endpoints').where('id', id).first()).priority).toBe(7);
      const changed = testConfig();
      changed.applications[1].conflictPriority = 4;
      await registerEndpoints(db, endpointDefs(changed));
      expect((await db('endpoints').where('id', id).first()).priority).toBe(4);
      await registerEndpoints(db, endpointDefs(cfg));
      expect((await db('endpoints').where('id', id).first()).priority).toBe(2);
    });
  });

  describe('clock', () => {
    it('gives out consecutive ticks, and lockClock/setClock never move it down', async () => {
      const id = ep(`${CRM}/contacts`).id;
      const before = await clockOf(db, id);
      const got = await db.transaction(async (trx) => [await takeTicks(trx, id, 3), await takeTicks(trx, id, 1)]);
      expect(got.map((g) => g.first)).toEqual([before, before + 3]);
      expect(Date.parse(got[1].stamp)).toBeGreaterThanOrEqual(Date.parse(got[0].stamp));
      expect(got[0].stamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      await db.transaction(async (trx) => {
        expect((await lockClock(trx, id)).clock).toBe(before + 4);
        await setClock(trx, id, before + 2, new Date().toISOString());
      });
      expect(await clockOf(db, id)).toBe(before + 4);
      await db.transaction((trx) => setClock(trx, id, before + 10, new Date().toISOString()));
      expect(await clockOf(db, id)).toBe(before + 10);
    });

    it('gives nothing out when the transaction rolls back', async () => {
      const id = ep(`${CRM}/contacts`).id;
      const before = await clockOf(db, id);
      await expect(
        db.transaction(async (trx) => {
          await takeTicks(trx, id, 5);
          throw new Error('rollback');
        }),
      ).rejects.toThrow('rollback');
      expect(await clockOf(db, id)).toBe(before);
    });
  });

  describe('keys', () => {
    it('formats keys in the application style', () => {
      expect(formatKey({ style: 'numeric' }, 42)).toBe('42');
      expect(formatKey({ style: 'prefixed', prefix: 'A', width: 5 }, 42)).toBe('A00042');
    });

    it('skips keys that resources already hold', async () => {
      const e = ep(`${ERP}/orders`);
      await db.transaction((trx) => createResources(trx, e, [{ key: 'A00002', values: { number: 'x' } }, { key: 'A00003', values: { number: 'y' } }]));
      const keys = await db.transaction((trx) => allocateKeys(trx, e.id, e.keys, 3));
      expect(keys).toEqual(['A00001', 'A00004', 'A00005']);
      const next = await db.transaction((trx) => allocateKeys(trx, e.id, e.keys, 1));
      expect(next).toEqual(['A00006']);
    });
  });

  describe('digests', () => {
    it('reads the own entry from the clock, raises other entries only upwards, stamps move with ticks', async () => {
      const e = ep(`${CRM}/accounts`);
      const other = `${ERP}/accounts`;
      const t0 = '2026-01-01T00:00:00.000Z';
      const t1 = '2026-01-02T00:00:00.000Z';
      await raiseDigestEntries(db, e.id, [{ endpoint: other, tick: 5, stamp: t0, conflictPriority: 2 }]);
      await raiseDigestEntries(db, e.id, [{ endpoint: other, tick: 3, stamp: t1, conflictPriority: 2 }]);
      let d = await readDigest(db, e.id, e.url);
      expect(d.origin).toBe(e.url);
      expect(d.entries[0]).toMatchObject({ endpoint: e.url, tick: await clockOf(db, e.id), conflictPriority: 1 });
      expect(d.entries[1]).toEqual({ endpoint: other, tick: 5, stamp: t0, conflictPriority: 2 });
      await raiseDigestEntries(db, e.id, [{ endpoint: other, tick: 9, stamp: t1, conflictPriority: 3 }]);
      d = await readDigest(db, e.id, e.url);
      expect(d.entries[1]).toEqual({ endpoint: other, tick: 9, stamp: t1, conflictPriority: 3 });
    });

    it('PUT replaces other entries and priorities, ignores a lower own tick and refuses a higher one', async () => {
      const e = ep(`${CRM}/accounts`);
      const clock = await clockOf(db, e.id);
      const stamp = '2026-02-01T00:00:00.000Z';
      await db.transaction((trx) =>
        putDigest(trx, e.id, e.url, {
          origin: e.url,
          entries: [
            { endpoint: e.url, tick: 0, stamp, conflictPriority: 3 },
            { endpoint: 'http://x.test/sdata/a/b/-/c', tick: 2, stamp, conflictPriority: 9 },
          ],
        }),
      );
      const d = await readDigest(db, e.id, e.url);
      expect(d.entries.map((x) => [x.endpoint, x.tick, x.conflictPriority])).toEqual([
        [e.url, clock, 3],
        ['http://x.test/sdata/a/b/-/c', 2, 9],
      ]);
      for (const bad of [
        { entries: [{ endpoint: e.url, tick: clock + 1, stamp, conflictPriority: 1 }] },
        { entries: [{ endpoint: 'not a url', tick: 1, stamp, conflictPriority: 1 }] },
        { origin: 'http://elsewhere.test/x', entries: [] },
      ]) {
        expect(await statusOf(db.transaction((trx) => putDigest(trx, e.id, e.url, bad)))).toBe(400);
      }
      expect(await readDigest(db, e.id, e.url)).toEqual(d);
      await db.transaction((trx) => putDigest(trx, e.id, e.url, { entries: [{ endpoint: e.url, tick: clock, stamp, conflictPriority: 1 }] }));
    });
  });

  describe('resources', () => {
    it('creates, updates and deletes as local changes taking one tick each', async () => {
      const e = ep(`${CRM}/accounts`);
      const clock = await clockOf(db, e.id);
      const [a, b] = await db.transaction((trx) => createResources(trx, e, [{ values: { name: 'A' } }, { key: '77', values: { name: 'B' } }], 'alice'));
      expect(a.state).toMatchObject({ endpoint: e.url, tick: clock, user: 'alice' });
      expect(b).toMatchObject({ key: '77', state: { tick: clock + 1 } });
      expect(a.etag).toBe(etagOf(a.state));
      expect(a.uuid).toMatch(/^[0-9a-f-]{36}$/);
      expect(await findResource(db, e.id, a.key)).toEqual({ ...a, state: { ...a.state } });

      const a2 = await db.transaction((trx) => updateResource(trx, e, a.key, { name: 'A2' }, [`"${a.etag}"`]));
      expect(a2).toMatchObject({ uuid: a.uuid, values: { name: 'A2' }, state: { tick: clock + 2 } });
      expect(a2.etag).not.toBe(a.etag);
      expect(await statusOf(db.transaction((trx) => updateResource(trx, e, a.key, { name: 'A3' }, [a.etag])))).toBe(412);
      expect(await statusOf(db.transaction((trx) => updateResource(trx, e, 'nope', { name: 'A3' }, undefined)))).toBe(404);
      expect(await clockOf(db, e.id)).toBe(clock + 3);

      const gone = await db.transaction((trx) => deleteResource(trx, e, b.key, ['*']));
      expect(gone).toMatchObject({ deleted: true, values: {}, state: { tick: clock + 3 } });
      expect(await findResource(db, e.id, b.key)).toMatchObject({ deleted: true, uuid: b.uuid });
      expect(await statusOf(db.transaction((trx) => deleteResource(trx, e, b.key, undefined)))).toBe(404);
      const byUuid = await findResourcesByUuid(db, e.id, [a.uuid, b.uuid]);
      expect([...byUuid.keys()].sort()).toEqual([a.uuid, b.uuid].sort());
    });

    it('refuses a taken key or UUID before taking any tick, and revives a tombstone with its UUID', async () => {
      const e = ep(`${CRM}/contacts`);
      const [c] = await db.transaction((trx) => createResources(trx, e, [{ key: 'K1', values: { firstName: 'c' } }]));
      const clock = await clockOf(db, e.id);
      expect(await statusOf(db.transaction((trx) => createResources(trx, e, [{ key: 'K1', values: {} }])))).toBe(409);
      expect(await statusOf(db.transaction((trx) => createResources(trx, e, [{ key: 'K2', uuid: c.uuid, values: {} }])))).toBe(409);
      expect(await statusOf(db.transaction((trx) => createResources(trx, e, [{ key: 'K3', values: {} }, { key: 'K3', values: {} }])))).toBe(409);
      expect(await clockOf(db, e.id)).toBe(clock);
      await db.transaction((trx) => deleteResource(trx, e, 'K1', undefined));
      const [back] = await db.transaction((trx) => createResources(trx, e, [{ key: 'K1', values: { firstName: 'again' } }]));
      expect(back).toMatchObject({ key: 'K1', uuid: c.uuid, deleted: false, state: { tick: clock + 1 } });
    });

    it('pages live resources in creation order, updates keeping their place', async () => {
      const e = ep(`${ERP}/contacts`);
      const made = await db.transaction((trx) => createResources(trx, e, Array.from({ length: 12 }, (_, i) => ({ values: { firstName: `n${i}` } }))));
      await db.transaction((trx) => updateResource(trx, e, made[0].key, { firstName: 'first again' }, undefined));
      await db.transaction((trx) => deleteResource(trx, e, made[5].key, undefined));
      const columns = resourceColumns(() => e.id);
      const { total, resources: page1 } = await queryResources(db, e.id, columns, { orderBy: [] }, { offset: 0, limit: 5 });
      const { resources: page3, more } = await queryResources(db, e.id, columns, { orderBy: [] }, { offset: 10, limit: 5 });
      expect(total).toBe(11);
      expect(page1.map((r) => r.key)).toEqual(made.slice(0, 5).map((r) => r.key));
      expect(page1[0].values).toEqual({ firstName: 'first again' });
      expect([page3.map((r) => r.key), more]).toEqual([[made[11].key], false]);
      expect(made[0].key).toMatch(/^A\d{5}$/);
    });
  });
});
