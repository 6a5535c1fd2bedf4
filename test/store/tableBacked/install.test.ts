/**
 * `adapter install` and `adapter remove` on a store: install adds only triggers to the application's tables,
 * remove takes away everything install made (the catalog of the application's schema is as before), both
 * are idempotent, a changed mapping replaces the capture, a failing install leaves nothing, and the server's
 * check at start tells an installed capture from a missing or outdated one.
 */
import knexFactory from 'knex';
import { describeEachDatabase, describePostgres, postgresUrl, type TestDatabase } from '../../support/databases';
import type { Db } from '../../../src/store/db';
import { AdapterNotInstalled, installStore, removeStore, verifyStore } from '../../../src/store/tableBacked/install';
import type { TableStore, TableStores } from '../../../src/store/tableBacked/stores';
import { catalogDump, clockOf, createAppTables, ERP, onlyStore, resourcesOf, schemaNames, tableConfig, uniqueName, type TableOptions } from './support';

async function objectIds(db: Db, adapterSchema: string): Promise<string[]> {
  const { rows } = await db.raw(
    `SELECT t.oid::text AS id FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ?
     UNION ALL SELECT p.oid::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ? ORDER BY 1`,
    [adapterSchema, adapterSchema],
  );
  return rows.map((r: { id: string }) => r.id);
}

function installTests(tdb: TestDatabase, separate: boolean) {
  let db: Db;
  let app: string;
  const opened: TableStores[] = [];
  const adapterSchemas: string[] = [];

  const storeFor = async (extra: Partial<TableOptions> = {}): Promise<TableStore> => {
    const adapterSchema = extra.adapterSchema ?? uniqueName('ad');
    adapterSchemas.push(adapterSchema);
    const { stores, store } = await onlyStore(tableConfig({ schema: app, adapterSchema, connection: separate ? postgresUrl : undefined, ...extra }), separate ? undefined : db);
    opened.push(stores);
    return store;
  };

  beforeAll(async () => {
    db = await tdb.open();
    app = uniqueName('app');
    await createAppTables(db, app);
    await db.raw(`INSERT INTO "${app}".accounts (name) SELECT 'a' || g FROM generate_series(1, 5) g`);
    await db.raw(`INSERT INTO "${app}".customers (full_name, email, account_id) SELECT 'c' || g, 'c' || g || '@x', 1 + g % 5 FROM generate_series(1, 20) g`);
  });

  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    if (tdb.kind === 'postgres') for (const s of [app, ...adapterSchemas]) await db.raw(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  });

  it('adds only triggers to the application schema, and remove leaves it exactly as before', async () => {
    const store = await storeFor();
    const before = await catalogDump(db, app);
    const schemasBefore = await schemaNames(db, [app, store.adapterSchema]);
    await installStore(store);
    const installed = await catalogDump(db, app);
    expect({ ...installed, triggers: [] }).toEqual({ ...before, triggers: [] });
    expect(installed.triggers).toHaveLength(before.triggers.length + 8);
    expect(await schemaNames(db, [app, store.adapterSchema])).toEqual([...schemasBefore, store.adapterSchema].sort());

    await removeStore(store);
    expect(await catalogDump(db, app)).toEqual(before);
    expect(await schemaNames(db, [app, store.adapterSchema])).toEqual(schemasBefore);
    if (!separate) expect(await db.from('endpoints').whereIn('url', [`${ERP}/accounts`, `${ERP}/customers`])).toEqual([]);
    // Remove again: nothing there, nothing done.
    await expect(removeStore(store)).resolves.toEqual({ tables: [] });
    expect(await catalogDump(db, app)).toEqual(before);
  });

  it('a second install changes nothing and takes no tick', async () => {
    const store = await storeFor();
    const first = await installStore(store);
    expect(first.map((t) => [t.table, t.captured, t.replaced])).toEqual([[`${app}.accounts`, 5, true], [`${app}.customers`, 20, true]]);
    const states = await resourcesOf(store, 'customers');
    const ids = await objectIds(db, store.adapterSchema);
    const second = await installStore(store);
    expect(second.map((t) => [t.captured, t.recaptured, t.replaced])).toEqual([[0, 0, false], [0, 0, false]]);
    expect(await resourcesOf(store, 'customers')).toEqual(states);
    expect(await clockOf(store, 'customers')).toBe(21);
    expect(await objectIds(db, store.adapterSchema)).toEqual(ids);
    await removeStore(store);
  });

  it('a changed mapping replaces the capture functions and gives the rows whose payload changed a new tick', async () => {
    const adapterSchema = uniqueName('ad');
    const store = await storeFor({ adapterSchema });
    await installStore(store);
    await expect(verifyStore(store)).resolves.toBeDefined();
    const remapped = await storeFor({ adapterSchema, customers: { email: { type: 'string', column: 'full_name' } } });
    await expect(verifyStore(remapped)).rejects.toThrow(new RegExp(`table ${app}.customers: the change capture installed does not match the configuration of kind customers[\\s\\S]*adapter install`));
    const report = await installStore(remapped);
    expect(report.map((t) => [t.recaptured, t.replaced])).toEqual([[0, false], [20, true]]);
    expect((await resourcesOf(remapped, 'customers')).get('1')!.payload.email).toBe('c1');
    expect(await clockOf(remapped, 'customers')).toBe(41);
    await verifyStore(remapped);
    // The new capture maps the new column.
    await db.raw(`UPDATE "${app}".customers SET full_name = 'new' WHERE id = 1`);
    expect((await resourcesOf(remapped, 'customers')).get('1')!).toMatchObject({ payload: expect.objectContaining({ email: 'new' }), state_tick: 41 });
    await db.raw(`UPDATE "${app}".customers SET full_name = 'c1' WHERE id = 1`);
    await removeStore(remapped);
    await expect(verifyStore(remapped)).rejects.toThrow(AdapterNotInstalled);
  });

  it('refuses to start on a table whose capture is not installed', async () => {
    const store = await storeFor();
    await expect(verifyStore(store)).rejects.toThrow(`table ${app}.accounts: the change capture of kind accounts is not installed`);
  });

  it("refuses to start when the change log's fold function is not the one the configuration makes", async () => {
    const store = await storeFor();
    await installStore(store);
    await verifyStore(store);
    await db.raw(`CREATE OR REPLACE FUNCTION "${store.adapterSchema}".fold_captured_changes() RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$`);
    await expect(verifyStore(store)).rejects.toThrow(`schema ${store.adapterSchema}: the fold function of the change log does not match the configuration`);
    await installStore(store);
    await verifyStore(store);
    await removeStore(store);
  });

  it('refuses an adapter schema that holds objects of the application', async () => {
    const store = await storeFor();
    await db.raw(`CREATE SCHEMA "${store.adapterSchema}"`);
    await db.raw(`CREATE TABLE "${store.adapterSchema}".theirs (id int)`);
    const before = await catalogDump(db, app);
    await expect(installStore(store)).rejects.toThrow(`schema ${store.adapterSchema} holds objects that are not sdata-sync's adapter`);
    await expect(removeStore(store)).rejects.toThrow(`schema ${store.adapterSchema} holds objects that are not sdata-sync's adapter`);
    expect(await db.raw(`SELECT count(*)::int AS n FROM "${store.adapterSchema}".theirs`)).toMatchObject({ rows: [{ n: 0 }] });
    expect(await catalogDump(db, app)).toEqual(before);
  });
}

describeEachDatabase('adapter install and remove, store in the server database', (tdb) => installTests(tdb, false));
describePostgres('adapter install and remove, store in the application database', (tdb) => installTests(tdb, true));

describePostgres('a failing adapter install', (tdb) => {
  it('leaves nothing behind (an open application transaction has updated the second table)', async () => {
    const db = await tdb.open();
    const app = uniqueName('app');
    await createAppTables(db, app);
    await db.raw(`INSERT INTO "${app}".accounts (name) SELECT 'a' || g FROM generate_series(1, 5) g`);
    await db.raw(`INSERT INTO "${app}".customers (full_name, account_id) VALUES ('Ann', 1)`);
    for (const separate of [false, true]) {
      const adapterSchema = uniqueName('ad');
      const { stores, store } = await onlyStore(tableConfig({ schema: app, adapterSchema, connection: separate ? postgresUrl : undefined }), separate ? undefined : db);
      const impatient = knexFactory({ client: 'pg', connection: { connectionString: postgresUrl, options: '-c lock_timeout=300' }, searchPath: [store.schema], pool: { min: 0, max: 2 } });
      const before = await catalogDump(db, app);
      const schemas = await schemaNames(db, [app, adapterSchema, store.schema]);
      const serverEndpoints = separate ? [] : await db.from('endpoints').select('url');
      const locker = await db.client.acquireConnection();
      try {
        // Its ROW EXCLUSIVE lock holds install up once the schema, our tables and the endpoints are made.
        await locker.query(`BEGIN; UPDATE "${app}".customers SET visits = 1 WHERE id = 1`);
        await expect(installStore({ ...store, db: impatient })).rejects.toThrow(/lock timeout/);
        await locker.query('ROLLBACK');
      } finally {
        await db.client.releaseConnection(locker);
        await impatient.destroy();
        await stores.close();
      }
      expect(await catalogDump(db, app)).toEqual(before);
      expect(await schemaNames(db, [app, adapterSchema, store.schema])).toEqual(schemas);
      if (!separate) expect(await db.from('endpoints').select('url')).toEqual(serverEndpoints);
    }
    await db.raw(`DROP SCHEMA "${app}" CASCADE`);
  });
});

describePostgres('adapter install beside a writing application', (tdb) => {
  it('captures a row whose transaction commits while install runs', async () => {
    const db = await tdb.open();
    const app = uniqueName('app');
    await createAppTables(db, app);
    await db.raw(`INSERT INTO "${app}".accounts (name) VALUES ('Acme')`);
    const { stores, store } = await onlyStore(tableConfig({ schema: app, adapterSchema: uniqueName('ad'), connection: postgresUrl }));
    const writer = await db.client.acquireConnection();
    try {
      await writer.query(`BEGIN; INSERT INTO "${app}".customers (full_name, account_id) VALUES ('Late', 1)`);
      const installing = installStore(store);
      await new Promise((r) => setTimeout(r, 500));
      await writer.query('COMMIT');
      await installing;
    } finally {
      await db.client.releaseConnection(writer);
    }
    const customers = await resourcesOf(store, 'customers');
    expect([...customers.values()].map((r) => r.payload.name)).toEqual(['Late']);
    await stores.close();
    await db.raw(`DROP SCHEMA "${app}" CASCADE`);
    await db.raw(`DROP SCHEMA "${store.adapterSchema}" CASCADE`);
  });
});
