/**
 * Pages applied at a table-backed endpoint while the application's own clients keep changing the same rows
 * (plain `pg` clients, one row per statement, each its own transaction): a page and an application
 * statement wait for each other instead of deadlocking (the page takes the application's rows before the
 * clock, in the order the capture trigger does), so every pass completes without a retry, and then
 * both ends agree.
 */
import pg from 'pg';
import { SDataClient } from '../../src/engine/http';
import { runPass } from '../../src/engine/pass';
import { describePostgres, postgresUrl } from '../support/databases';
import { readAll, valuesByUuid } from '../e2e/support/sdata';
import { pass, startTableBacked, uniqueName, type TableBackedServer } from './support';

const ROWS = 50;
const WRITERS = 4;
const ROUNDS = 5;

describePostgres('pages applied while the application writes the same rows', (tdb) => {
  let t: TableBackedServer;
  const appSchema = uniqueName('app');

  beforeAll(async () => {
    const db = await tdb.open();
    t = await startTableBacked(db, { appSchema, adapterSchema: uniqueName('sdata'), connection: postgresUrl }, { seed: [`INSERT INTO "${appSchema}".accounts (name) SELECT 'A' || i FROM generate_series(1, ${ROWS}) i`] });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('every pass completes at its first attempt while single-row statements change the same rows; then both ends agree', async () => {
    await pass(t.erp, t.crm);
    const atCrm = await readAll(`${t.crm}/accounts`);
    let stop = false;
    let appWrites = 0;
    const writers = Array.from({ length: WRITERS }, async (_, w) => {
      const c = new pg.Client({ connectionString: postgresUrl });
      await c.connect();
      try {
        for (let n = 0; !stop; n++) {
          await c.query(`UPDATE "${appSchema}".accounts SET balance = $1 WHERE id = $2`, [w * 100_000 + n, 1 + ((n * 7 + w * 13) % ROWS)]);
          appWrites += 1;
        }
      } finally {
        await c.end();
      }
    });
    const noRetry = { attempts: 1, startingDelayMillis: 1, maxDelayMillis: 1 };
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const entries = atCrm
          .map((r) => `<entry><id>${t.crm}/accounts('${r.key}')</id><http:httpMethod>PUT</http:httpMethod><sdata:payload><account xmlns="urn:sdata-sync:demo" sdata:key="${r.key}"><name>${r.values.name} r${round}</name></account></sdata:payload></entry>`)
          .join('');
        const res = await fetch(`${t.crm}/accounts/$batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/atom+xml' },
          body: `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:sdata="http://schemas.sage.com/sdata/2008/1" xmlns:http="http://schemas.sage.com/sdata/http/2008/1">${entries}</feed>`,
        });
        expect(res.status).toBe(200);
        const s = await runPass({ source: `${t.crm}/accounts`, target: `${t.erp}/accounts`, pageSize: 10, client: new SDataClient({ run: { runName: `concurrent ${round}`, runStamp: new Date().toISOString() }, retry: noRetry }) });
        expect(s).toMatchObject({ state: 'done', failures: 0, entries: ROWS });
      }
    } finally {
      stop = true;
      await Promise.all(writers);
    }
    expect(appWrites).toBeGreaterThan(0);
    await pass(t.erp, t.crm);
    await pass(t.crm, t.erp);
    expect(Object.fromEntries(await valuesByUuid(`${t.erp}/accounts`))).toEqual(Object.fromEntries(await valuesByUuid(`${t.crm}/accounts`)));
  }, 120_000);
});
