/**
 * A table-backed endpoint over an application's own PostgreSQL database (reached by its connection string,
 * the store in the adapter schema there), changed by the `psql` client as any application would: PSQL_ROWS
 * existing rows (default 1,000; 10,000 in `npm run test:soak`) reach a plain endpoint in one pass, psql's inserts, updates (one of many rows), and deletes
 * reach it in the next pass, its changes land in the application's table, nothing is echoed, and a change of
 * the same row at both ends is a conflict resolved and parked as for any endpoint.
 */
import { execFileSync } from 'node:child_process';
import { describePostgres, postgresUrl } from '../support/databases';
import { create, readAll, update, valuesByUuid } from '../e2e/support/sdata';
import { readEvents } from '../support/sse';
import { startServer } from '../../src/endpoint/server';
import { pass, siteConfig, startTableBacked, uniqueName, type TableBackedServer } from './support';

const ROWS = Number(process.env.PSQL_ROWS ?? 1_000); // at least 777, a row the test reads back

describePostgres("table-backed endpoint in the application's own database, changed with psql", (tdb) => {
  let t: TableBackedServer;
  const appSchema = uniqueName('app');
  const adapterSchema = uniqueName('sdata');
  const psql = (sql: string): string => execFileSync('psql', [postgresUrl!, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], { encoding: 'utf8' });
  const endpointOf = (app: string, kind: string) => t.server.runtime.catalog.endpoints.find((e) => e.def.app.name === app && e.def.kind.name === kind)!;
  const ticksOf = async (kind: string): Promise<number> => {
    const e = endpointOf('erp', kind);
    return (await e.db('endpoints').where({ id: e.id }).first<{ clock: number }>())!.clock;
  };

  beforeAll(async () => {
    const db = await tdb.open();
    const s = `"${appSchema}"`;
    t = await startTableBacked(
      db,
      { appSchema, adapterSchema, connection: postgresUrl },
      {
        seed: [
          `INSERT INTO ${s}.accounts (name, email, balance, active, opened_on)
             SELECT 'Account ' || i, 'a' || i || '@example.com', ((i % 1000) || '.25')::numeric, i % 2 = 0, DATE '2020-01-01' + i FROM generate_series(1, ${ROWS}) i`,
          `INSERT INTO ${s}.contacts (first_name, last_name, account_id) SELECT 'First ' || i, 'Last ' || i, i * 7 FROM generate_series(1, ${ROWS / 10}) i`,
        ],
      },
    );
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it(`${ROWS} existing rows reach a plain endpoint in one pass, every value and reference with them`, async () => {
    const s = await pass(t.erp, t.crm, { pageSize: 1000 });
    expect(s).toMatchObject({ state: 'done', created: ROWS + ROWS / 10, failures: 0 });
    const accounts = await readAll(`${t.crm}/accounts`);
    expect(accounts).toHaveLength(ROWS);
    const byName = new Map(accounts.map((a) => [a.values.name, a]));
    for (const i of [1, 2, 777, ROWS]) {
      expect(byName.get(`Account ${i}`)?.values).toEqual({
        name: `Account ${i}`,
        email: `a${i}@example.com`,
        balance: `${i % 1000}.25`,
        active: String(i % 2 === 0),
        openedOn: new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10),
      });
    }
    const contacts = await readAll(`${t.crm}/contacts`);
    expect(contacts).toHaveLength(ROWS / 10);
    const uuidOfAccount = new Map(accounts.map((a) => [a.uuid, a.values.name]));
    for (const c of contacts) {
      const i = Number(c.values.firstName.replace('First ', ''));
      expect(uuidOfAccount.get(c.values.account)).toBe(`Account ${i * 7}`);
    }
    expect(await pass(t.erp, t.crm)).toMatchObject({ entries: 0 });
    expect(await pass(t.crm, t.erp)).toMatchObject({ entries: 0 });
  }, 120_000);

  it("psql's insert, update, multi-row update and delete reach crm in the next pass; crm's changes land in the table; nothing is echoed", async () => {
    const s = `"${appSchema}"`;
    psql(`INSERT INTO ${s}.accounts (name, balance) VALUES ('From psql', 1.5)`);
    psql(`UPDATE ${s}.accounts SET email = 'renamed@example.com' WHERE name = 'Account 1'`);
    psql(`UPDATE ${s}.accounts SET active = NOT active WHERE id BETWEEN 100 AND 104`);
    psql(`DELETE FROM ${s}.contacts WHERE first_name = 'First 1'`);
    const there = await pass(t.erp, t.crm);
    expect(there).toMatchObject({ created: 1, updated: 6, deleted: 1, failures: 0 });
    const atCrm = new Map([...(await valuesByUuid(`${t.crm}/accounts`)).values()].map((v) => [v.name, v]));
    expect(atCrm.get('From psql')).toMatchObject({ balance: '1.5' });
    expect(atCrm.get('Account 1')).toMatchObject({ email: 'renamed@example.com' });
    expect(atCrm.get('Account 100')).toMatchObject({ active: 'false' });
    expect(atCrm.get('Account 101')).toMatchObject({ active: 'true' });
    expect((await readAll(`${t.crm}/contacts`)).some((c) => c.values.firstName === 'First 1')).toBe(false);

    // crm's changes land in the application's table, and the capture takes no tick for them.
    const ticks = await ticksOf('accounts');
    const fromPsql = (await readAll(`${t.crm}/accounts`)).find((r) => r.values.name === 'From psql')!;
    await update(`${t.crm}/accounts`, fromPsql.key, 'account', { name: 'From psql, then crm', balance: '2' });
    await create(`${t.crm}/accounts`, 'account', { name: 'From crm', email: 'crm@example.com' });
    expect(await pass(t.crm, t.erp)).toMatchObject({ created: 1, updated: 1, failures: 0 });
    expect(psql(`SELECT name || '|' || coalesce(balance::text, '') FROM ${s}.accounts WHERE name LIKE 'From%' ORDER BY name`)).toMatch(/From crm\|\s+From psql, then crm\|2/);
    expect(await ticksOf('accounts')).toBe(ticks);
    expect(await pass(t.erp, t.crm)).toMatchObject({ entries: 0 });
    expect(await pass(t.crm, t.erp)).toMatchObject({ entries: 0 });
  }, 60_000);

  it("a psql change is announced on the table-backed endpoint's $syncNotify (its store is listened to)", async () => {
    const stream = await readEvents(`${t.erp}/accounts/$syncNotify`);
    try {
      await stream.waitFor((e) => e.event === 'digest');
      const seen = stream.events.length;
      psql(`UPDATE "${appSchema}".accounts SET balance = balance + 1 WHERE name = 'Account 3'`);
      const event = await stream.waitFor((e) => e.event === 'digest', 10_000, seen);
      expect(event.data).toContain(`${endpointOf('erp', 'accounts').url}`);
    } finally {
      stream.close();
    }
    await pass(t.erp, t.crm);
  }, 60_000);

  it('a server whose configuration asks for a capture that is not installed refuses to start, naming the table', async () => {
    const other = siteConfig({ appSchema, adapterSchema: uniqueName('sdata'), connection: postgresUrl }, 0);
    await expect(startServer(other, { db: t.server.db })).rejects.toThrow(new RegExp(`table ${appSchema}\\.accounts[\\s\\S]*sdata-sync adapter install --config`));
  });

  it('a change of the same row at both ends is a conflict resolved and parked as for any endpoint', async () => {
    const s = `"${appSchema}"`;
    const target = (await readAll(`${t.crm}/accounts`)).find((r) => r.values.name === 'Account 2')!;
    psql(`UPDATE ${s}.accounts SET name = 'Account 2 (erp)' WHERE name = 'Account 2'`);
    await update(`${t.crm}/accounts`, target.key, 'account', { ...target.values, name: 'Account 2 (crm)' });
    // crm's conflict priority (1) beats erp's (2): the table holds crm's version, erp's is parked.
    const s1 = await pass(t.crm, t.erp);
    expect(s1).toMatchObject({ conflicts: 1, failures: 0 });
    expect(psql(`SELECT name FROM ${s}.accounts WHERE name LIKE 'Account 2 (%'`)).toMatch(/Account 2 \(crm\)/);
    const parked = (await (await fetch(`${t.erp}/accounts/$conflicts`)).text()).replace(/&quot;/g, '"');
    expect(parked).toContain('Account 2 (erp)');
    expect(parked).toContain('Account 2 (crm)');
    // Both stores number their endpoints from 1: the gauge counts each endpoint in its own store.
    const metrics = await (await fetch(`${t.server.url}/metrics`)).text();
    const gauge = (app: string, kind: string) => Number(new RegExp(`^sdata_open_conflicts\\{[^}]*endpoint="${new URL(endpointOf(app, kind).url).pathname}"[^}]*\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
    expect([endpointOf('crm', 'accounts').id, endpointOf('erp', 'accounts').id]).toEqual([endpointOf('crm', 'accounts').id, endpointOf('crm', 'accounts').id]);
    expect([gauge('erp', 'accounts'), gauge('crm', 'accounts')]).toEqual([1, 0]);
    await pass(t.erp, t.crm);
    expect((await valuesByUuid(`${t.crm}/accounts`)).get(target.uuid)).toMatchObject({ name: 'Account 2 (crm)' });
    expect(await pass(t.erp, t.crm)).toMatchObject({ entries: 0 });
    expect(await pass(t.crm, t.erp)).toMatchObject({ entries: 0 });
  }, 60_000);
});
