/**
 * Pages applied at a table-backed endpoint while the application's own clients keep changing the same rows
 * (plain `pg` clients, one row per statement, each its own transaction): a page and an application
 * statement wait for each other instead of deadlocking (the page takes the application's rows before the
 * clock, in the order the capture trigger does), so every pass completes without a retry, and then
 * both ends agree. A lock cycle the application's own transaction still makes (it holds the clock and waits
 * for a row the page holds) rolls the page back as a transient 503 the engine sends again.
 */
import pg from 'pg';
import { SDataClient } from '../../src/engine/sdataClient';
import { PassFailed, runPass } from '../../src/engine/pass';
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

  it("a page the database rolls back to break a lock cycle with an application's transaction is a transient 503 (Deadlock), and comes through when sent again", async () => {
    const [first, second] = await t.sql<{ id: number }>(`SELECT id FROM "${appSchema}".accounts ORDER BY id LIMIT 2`);
    const uuidOfRow = new Map((await readAll(`${t.erp}/accounts`)).map((r) => [Number(r.key), r.uuid]));
    const atCrm = (await readAll(`${t.crm}/accounts`)).find((r) => r.uuid === uuidOfRow.get(second.id))!;
    await fetch(`${t.crm}/accounts('${atCrm.key}')`, {
      method: 'PUT',
      headers: { 'content-type': 'application/atom+xml;type=entry' },
      body: `<entry xmlns="http://www.w3.org/2005/Atom" xmlns:sdata="http://schemas.sage.com/sdata/2008/1"><sdata:payload><account xmlns="urn:sdata-sync:demo"><name>from crm</name></account></sdata:payload></entry>`,
    });
    // The application's transaction: a change of one row takes the clock (its capture), held to commit.
    const app = new pg.Client({ connectionString: postgresUrl });
    await app.connect();
    try {
      await app.query('BEGIN');
      await app.query(`UPDATE "${appSchema}".accounts SET name = 'from the application' WHERE id = $1`, [first.id]);
      const noRetry = { attempts: 1, startingDelayMillis: 1, maxDelayMillis: 1 };
      const page = runPass({ source: `${t.crm}/accounts`, target: `${t.erp}/accounts`, client: new SDataClient({ run: { runName: 'cycle', runStamp: new Date().toISOString() }, retry: noRetry }) }).then(
        () => undefined,
        (err: unknown) => err,
      );
      // The page holds the second row and waits for the clock; the application then wants that row.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const appStatement = app.query(`UPDATE "${appSchema}".accounts SET name = 'from the application too' WHERE id = $1`, [second.id]).then(
        () => 'done',
        (err: Error) => err.message,
      );
      const failed = await page;
      expect(failed).toBeInstanceOf(PassFailed);
      expect((failed as PassFailed).diagnoses).toEqual([expect.objectContaining({ severity: 'Transient', applicationCode: 'Deadlock' })]);
      expect(await appStatement).toBe('done');
      await app.query('COMMIT');
    } finally {
      await app.end();
    }
    // Sent again (the engine does so by itself for a transient failure), the page applies.
    expect(await pass(t.crm, t.erp)).toMatchObject({ failures: 0, conflicts: 1 });
  }, 60_000);
});
