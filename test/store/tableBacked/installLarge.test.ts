/**
 * Install on tables that already hold many rows: each row gets one sync state, ticks 1..n in key order, its
 * values as payload and its references as the UUIDs of the referenced rows' sync states (set-based: a few
 * statements for the whole table, whatever its size). INSTALL_ROWS=n rows (default 1,000; 10,000 in
 * `npm run test:soak`).
 */
import { describeEachDatabase } from '../../support/databases';
import type { Db } from '../../../src/store/db';
import { installStore } from '../../../src/store/tableBacked/install';
import type { TableStore, TableStores } from '../../../src/store/tableBacked/stores';
import { clockOf, createAppTables, ERP, onlyStore, resourcesOf, tableConfig, uniqueName } from './support';

const ROWS = Number(process.env.INSTALL_ROWS ?? 1_000);
const ACCOUNTS = 100;

describeEachDatabase(`adapter install on ${ROWS} existing rows`, (tdb) => {
  let db: Db;
  let stores: TableStores;
  let store: TableStore;
  let app: string;

  beforeAll(async () => {
    db = await tdb.open();
    app = uniqueName('app');
    await createAppTables(db, app);
    await db.raw(`INSERT INTO "${app}".accounts (name, balance) SELECT 'account ' || g, g * 1.5 FROM generate_series(1, ${ACCOUNTS}) g`);
    await db.raw(`INSERT INTO "${app}".customers (full_name, email, account_id, born, visits)
                  SELECT 'customer ' || g, 'c' || g || '@x', 1 + g % ${ACCOUNTS}, date '2000-01-01' + g, g FROM generate_series(1, ${ROWS}) g`);
    ({ stores, store } = await onlyStore(tableConfig({ schema: app, adapterSchema: uniqueName('ad') }), db));
  });

  afterAll(async () => {
    await stores.close();
    if (tdb.kind === 'postgres') await db.raw(`DROP SCHEMA IF EXISTS "${app}" CASCADE; DROP SCHEMA IF EXISTS "${store.adapterSchema}" CASCADE`);
  });

  it('gives every row one sync state with its values and the UUIDs of the rows it references', async () => {
    const started = Date.now();
    const report = await installStore(store);
    const millis = Date.now() - started;
    expect(report.map((t) => t.captured)).toEqual([ACCOUNTS, ROWS]);

    const customers = await resourcesOf(store, 'customers');
    const accounts = await resourcesOf(store, 'accounts');
    expect(customers.size).toBe(ROWS);
    expect([...customers.values()].map((r) => r.state_tick).sort((a, b) => a - b)).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1));
    expect(await clockOf(store, 'customers')).toBe(ROWS + 1);
    for (let g = 1; g <= ROWS; g++) {
      const r = customers.get(String(g))!;
      expect(r.state_tick).toBe(g); // key order
      const born = new Date(Date.UTC(2000, 0, 1 + g)).toISOString().slice(0, 10);
      expect(r.payload).toEqual({ name: `customer ${g}`, email: `c${g}@x`, account: { uuid: accounts.get(String(1 + (g % ACCOUNTS)))!.uuid }, born, seen: null, visits: g });
    }
    expect(new Set([...customers.values()].map((r) => r.uuid)).size).toBe(ROWS);
    expect(accounts.get('3')!.payload).toEqual({ name: 'account 3', balance: '4.50', active: true });
    expect([...customers.values()].every((r) => r.state_endpoint === `${ERP}/customers` && !r.deleted)).toBe(true);
    process.stdout.write(`[${tdb.kind}] install of ${ROWS} + ${ACCOUNTS} rows: ${millis} ms\n`);
  }, 60_000);
});
