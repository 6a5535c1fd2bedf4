/**
 * Install and capture of table-backed kinds: existing rows get one sync state each at install, and every
 * change the application's own SQL makes afterwards takes the endpoint's next tick in the same transaction,
 * with the row's mapped values as payload. Run with the store in the server's database (PGlite and
 * PostgreSQL) and in the application's database (PostgreSQL, a connection of its own).
 */
import { describeEachDatabase, describePostgres, postgresUrl, type TestDatabase } from '../../support/databases';
import { parseConfig } from '../../../src/config/load';
import type { Db } from '../../../src/store/db';
import { etagOf } from '../../../src/store/versions';
import { APPLYING_SETTING, markApplying } from '../../../src/store/tableBacked/captureSql';
import { foldCapturedChanges } from '../../../src/store/tableBacked/fold';
import { installStore } from '../../../src/store/tableBacked/install';
import type { TableStore, TableStores } from '../../../src/store/tableBacked/stores';
import { clockOf, createAppTables, ERP, onlyStore, resourcesOf, tableConfig, uniqueName } from './support';

function captureTests(tdb: TestDatabase, separate: boolean) {
  let db: Db;
  let stores: TableStores;
  let store: TableStore;
  let app: string;

  beforeAll(async () => {
    db = await tdb.open();
    app = uniqueName('app');
    await createAppTables(db, app);
    await db.raw(`INSERT INTO "${app}".accounts (name, balance) VALUES ('Acme', 12.50), ('Globex', NULL)`);
    await db.raw(`INSERT INTO "${app}".customers (full_name, email, account_id, born, seen, visits)
                  VALUES ('Ann', 'ann@x', 1, '1990-02-03', '2026-11-22T12:00:00.123Z', 3), ('Bob', NULL, 2, NULL, NULL, 0), ('Cy', 'cy@x', NULL, NULL, NULL, NULL)`);
    const cfg = tableConfig({ schema: app, adapterSchema: uniqueName('ad'), connection: separate ? postgresUrl : undefined });
    ({ stores, store } = await onlyStore(cfg, separate ? undefined : db));
    await installStore(store);
  });

  afterAll(async () => {
    await stores.close();
    if (tdb.kind === 'postgres') await db.raw(`DROP SCHEMA IF EXISTS "${app}" CASCADE; DROP SCHEMA IF EXISTS "${store.adapterSchema}" CASCADE`);
  });

  it('gives every existing row one sync state with its values and references at install', async () => {
    const accounts = await resourcesOf(store, 'accounts');
    const customers = await resourcesOf(store, 'customers');
    expect([...accounts.values()].map((r) => [r.local_key, r.state_tick])).toEqual(expect.arrayContaining([['1', 1], ['2', 2]]));
    expect(accounts.get('1')!.payload).toEqual({ name: 'Acme', balance: '12.50', active: true });
    expect(accounts.get('2')!.payload).toEqual({ name: 'Globex', balance: null, active: true });
    expect(customers.get('1')!.payload).toEqual({ name: 'Ann', email: 'ann@x', account: { uuid: accounts.get('1')!.uuid }, born: '1990-02-03', seen: '2026-11-22T12:00:00.123Z', visits: 3 });
    expect(customers.get('3')!.payload).toEqual({ name: 'Cy', email: 'cy@x', account: null, born: null, seen: null, visits: null });
    expect([...customers.values()].map((r) => r.state_tick).sort()).toEqual([1, 2, 3]);
    for (const r of customers.values()) {
      expect(r.state_endpoint).toBe(`${ERP}/customers`);
      expect(r.etag).toBe(etagOf({ endpoint: r.state_endpoint, tick: r.state_tick }));
      expect(r.deleted).toBe(false);
    }
    expect(await clockOf(store, 'customers')).toBe(4);
  });

  it('captures an insert, a multi-row update, a delete, each change with one tick', async () => {
    const before = await clockOf(store, 'customers');
    await db.raw(`INSERT INTO "${app}".customers (full_name, account_id) VALUES ('Dee', 2), ('Eve', 1)`);
    let customers = await resourcesOf(store, 'customers');
    const accounts = await resourcesOf(store, 'accounts');
    const dee = [...customers.values()].find((r) => r.payload.name === 'Dee')!;
    expect(dee.payload.account).toEqual({ uuid: accounts.get('2')!.uuid });
    expect(await clockOf(store, 'customers')).toBe(before + 2);

    const ann = customers.get('1')!;
    await db.raw(`UPDATE "${app}".customers SET visits = coalesce(visits, 0) + 1 WHERE id IN (1, 2, 3)`);
    customers = await resourcesOf(store, 'customers');
    expect(await clockOf(store, 'customers')).toBe(before + 5);
    expect(customers.get('1')!.uuid).toBe(ann.uuid);
    expect(customers.get('1')!.payload.visits).toBe(4);
    expect([1, 2, 3].map((k) => customers.get(String(k))!.state_tick).sort()).toEqual([before + 2, before + 3, before + 4]);

    await db.raw(`DELETE FROM "${app}".customers WHERE id = 3`);
    customers = await resourcesOf(store, 'customers');
    expect(customers.get('3')).toMatchObject({ deleted: true, payload: {}, state_tick: before + 5 });
    expect(await clockOf(store, 'customers')).toBe(before + 6);
  });

  it('captures statements of many rows (planned for their size) like small ones', async () => {
    const before = await clockOf(store, 'customers');
    const { rows } = await db.raw(`INSERT INTO "${app}".customers (full_name, account_id, visits) SELECT 'many ' || g, 1 + g % 2, g FROM generate_series(1, 100) g RETURNING id`);
    const keys = rows.map((r: { id: number | string }) => String(r.id));
    const accounts = await resourcesOf(store, 'accounts');
    let customers = await resourcesOf(store, 'customers');
    expect(keys.map((k: string) => customers.get(k)!.state_tick).sort((a: number, b: number) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => before + i));
    const first = customers.get(keys[0])!;
    expect(first.payload).toMatchObject({ name: 'many 1', visits: 1, account: { uuid: accounts.get('2')!.uuid } });

    await db.raw(`UPDATE "${app}".customers SET created_at = created_at + interval '1 day' WHERE full_name LIKE 'many %'`);
    expect(await clockOf(store, 'customers')).toBe(before + 100);
    await db.raw(`UPDATE "${app}".customers SET visits = visits * 10 WHERE full_name LIKE 'many %' AND visits <= 60`);
    customers = await resourcesOf(store, 'customers');
    expect(await clockOf(store, 'customers')).toBe(before + 160);
    expect(customers.get(keys[0])).toMatchObject({ uuid: first.uuid, payload: expect.objectContaining({ visits: 10 }) });
    expect(customers.get(keys[99])!.payload.visits).toBe(100);

    await db.raw(`DELETE FROM "${app}".customers WHERE full_name LIKE 'many %'`);
    customers = await resourcesOf(store, 'customers');
    expect(await clockOf(store, 'customers')).toBe(before + 260);
    expect(keys.every((k: string) => customers.get(k)!.deleted)).toBe(true);
  });

  it('keeps the knowledge of the version a local change replaces (PROTOCOL.md 2.5)', async () => {
    const knowledge = [{ endpoint: 'http://other.test/sdata/a/b/-/customers', tick: 7, stamp: '2026-11-22T12:00:00.000Z', conflictPriority: 5 }];
    const endpointId = (await store.db.withSchema(store.schema).from('endpoints').where('url', `${ERP}/customers`).first('id')).id;
    await store.db.withSchema(store.schema).from('resources').where({ endpoint_id: endpointId, local_key: '1' }).update({ knowledge: JSON.stringify(knowledge) });
    await db.raw(`UPDATE "${app}".customers SET visits = coalesce(visits, 0) + 1 WHERE id = 1`);
    await db.raw(`DELETE FROM "${app}".customers WHERE id = 1`);
    await foldCapturedChanges(store.db, store.endpoints[0]);
    const row = await store.db.withSchema(store.schema).from('resources').where({ endpoint_id: endpointId, local_key: '1' }).first('knowledge', 'deleted');
    expect(row).toEqual({ knowledge, deleted: true });
    await db.raw(`INSERT INTO "${app}".customers (id, full_name, account_id) VALUES (1, 'Ann', 1)`);
  });

  it('takes no tick for an UPDATE that changes no mapped column', async () => {
    const before = await clockOf(store, 'customers');
    const states = await resourcesOf(store, 'customers');
    await db.raw(`UPDATE "${app}".customers SET created_at = created_at + interval '1 day'`);
    await db.raw(`UPDATE "${app}".customers SET full_name = full_name, email = email`);
    expect(await clockOf(store, 'customers')).toBe(before);
    expect(await resourcesOf(store, 'customers')).toEqual(states);
  });

  it('treats an UPDATE of the key as a delete of the old key and an insert of the new', async () => {
    const before = await clockOf(store, 'customers');
    await db.raw(`UPDATE "${app}".customers SET id = 1000 WHERE id = 2`);
    const customers = await resourcesOf(store, 'customers');
    expect(customers.get('2')).toMatchObject({ deleted: true, payload: {} });
    expect(customers.get('1000')!.payload.name).toBe('Bob');
    expect(await clockOf(store, 'customers')).toBe(before + 2);
  });

  it('leaves the writes of a transaction that set the applying setting to their writer', async () => {
    const before = await clockOf(store, 'customers');
    await db.transaction(async (trx) => {
      await trx.raw(`SELECT set_config('${APPLYING_SETTING}', 'on', true)`);
      await trx.raw(`UPDATE "${app}".customers SET full_name = 'Ann B.' WHERE id = 1`);
    });
    expect(await clockOf(store, 'customers')).toBe(before);
    expect((await resourcesOf(store, 'customers')).get('1')!.payload.name).not.toBe('Ann B.');
    await db.transaction(async (trx) => {
      await markApplying(trx);
      await trx.raw(`DELETE FROM "${app}".customers WHERE id = 1`);
      await trx.raw(`INSERT INTO "${app}".customers (id, full_name) VALUES (1, 'Ann')`);
    });
    expect(await clockOf(store, 'customers')).toBe(before);
    // The setting is transaction-local: the next statement is captured again.
    await db.raw(`UPDATE "${app}".customers SET full_name = 'Ann C.' WHERE id = 1`);
    expect((await resourcesOf(store, 'customers')).get('1')!.payload.name).toBe('Ann C.');
  });

  it('captures a TRUNCATE as the deletion of every row', async () => {
    const live = [...(await resourcesOf(store, 'customers')).values()].filter((r) => !r.deleted);
    const before = await clockOf(store, 'customers');
    await db.raw(`TRUNCATE "${app}".customers`);
    const after = await resourcesOf(store, 'customers');
    expect(live.length).toBeGreaterThan(2);
    expect([...after.values()].every((r) => r.deleted && Object.keys(r.payload).length === 0)).toBe(true);
    expect(live.map((r) => after.get(r.local_key)!.state_tick).sort((a, b) => a - b)).toEqual(live.map((_, i) => before + i));
    expect(await clockOf(store, 'customers')).toBe(before + live.length);
    await db.raw(`TRUNCATE "${app}".customers`);
    expect(await clockOf(store, 'customers')).toBe(before + live.length);
  });

  it('does not touch the clock when a statement changes no row', async () => {
    const before = await clockOf(store, 'customers');
    await db.raw(`DELETE FROM "${app}".customers WHERE id < 0`);
    await db.raw(`INSERT INTO "${app}".customers (full_name) SELECT 'x' WHERE false`);
    expect(await clockOf(store, 'customers')).toBe(before);
  });

  it('folds several logged changes of a row, read once, into its latest: last tick, last values, or a tombstone', async () => {
    const before = await clockOf(store, 'customers');
    const [{ id }] = (await db.raw(`INSERT INTO "${app}".customers (full_name, account_id) VALUES ('v1', 1) RETURNING id`)).rows;
    await db.raw(`UPDATE "${app}".customers SET full_name = 'v2' WHERE id = ${id}`);
    await db.raw(`UPDATE "${app}".customers SET full_name = 'v3', email = 'v3@x' WHERE id = ${id}`);
    const [{ id: gone }] = (await db.raw(`INSERT INTO "${app}".customers (full_name) VALUES ('short-lived') RETURNING id`)).rows;
    await db.raw(`UPDATE "${app}".customers SET full_name = 'still short-lived' WHERE id = ${gone}`);
    await db.raw(`DELETE FROM "${app}".customers WHERE id = ${gone}`);
    const states = await resourcesOf(store, 'customers');
    expect(states.get(String(id))).toMatchObject({ deleted: false, state_tick: before + 2, payload: expect.objectContaining({ name: 'v3', email: 'v3@x' }) });
    expect(states.get(String(gone))).toMatchObject({ deleted: true, state_tick: before + 5, payload: {} });
    expect(await clockOf(store, 'customers')).toBe(before + 6);
  });
}

describeEachDatabase('table-backed capture, store in the server database', (tdb) => captureTests(tdb, false));
describePostgres('table-backed capture, store in the application database', (tdb) => captureTests(tdb, true));

describeEachDatabase('table-backed capture of a kind that references itself', (tdb) => {
  it('gives a row the UUID of a parent inserted by the same statement', async () => {
    const db = await tdb.open();
    const app = uniqueName('app');
    await db.raw(`CREATE SCHEMA "${app}"`);
    await db.raw(`CREATE TABLE "${app}".nodes (id int PRIMARY KEY, label text, parent_id int REFERENCES "${app}".nodes (id))`);
    await db.raw(`INSERT INTO "${app}".nodes VALUES (2, 'child', NULL), (1, 'root', NULL)`);
    await db.raw(`UPDATE "${app}".nodes SET parent_id = 1 WHERE id = 2`);
    const cfg = parseConfig(
      {
        server: { port: 0, publicBaseUrl: 'http://sdata.test' },
        applications: [
          {
            name: 'erp',
            contract: 'test',
            namespace: 'urn:erp',
            kinds: [{ name: 'nodes', element: 'node', table: { schema: app, name: 'nodes', key: 'id', adapterSchema: uniqueName('ad') }, properties: { label: { type: 'string' }, parent: { type: 'reference', kind: 'nodes', column: 'parent_id' } } }],
          },
        ],
      },
      {},
    );
    const { stores, store } = await onlyStore(cfg, db);
    await installStore(store);
    let nodes = await resourcesOf(store, 'nodes');
    // Install: the parent's UUID although the child comes first in neither key nor tick order of its parent.
    expect(nodes.get('2')!.payload).toEqual({ label: 'child', parent: { uuid: nodes.get('1')!.uuid } });

    await db.raw(`INSERT INTO "${app}".nodes VALUES (10, 'top', NULL), (11, 'leaf', 10), (12, 'leaf', 11)`);
    nodes = await resourcesOf(store, 'nodes');
    expect(nodes.get('11')!.payload).toEqual({ label: 'leaf', parent: { uuid: nodes.get('10')!.uuid } });
    expect(nodes.get('12')!.payload).toEqual({ label: 'leaf', parent: { uuid: nodes.get('11')!.uuid } });
    expect(nodes.get('12')!.etag).toBe(etagOf({ endpoint: nodes.get('12')!.state_endpoint, tick: nodes.get('12')!.state_tick }));
    expect(await clockOf(store, 'nodes')).toBe(6);
    await stores.close();
    if (tdb.kind === 'postgres') await db.raw(`DROP SCHEMA "${app}" CASCADE; DROP SCHEMA "${store.adapterSchema}" CASCADE`);
  });
});
