/**
 * The change log of a table-backed endpoint is folded before anything reads or changes the endpoint: an
 * application's statement is served by the very next request (no pass, no other read in between), and a
 * page or a local change made right after an application's statement, with nothing read in between,
 * decides against the application's version: a conflict or a refused precondition, never a silent
 * overwrite of the application's change. A parked version kept by a person is written to the table.
 */
import { describeEachDatabase } from '../support/databases';
import { readAll } from '../e2e/support/sdata';
import { applyPage } from '../../src/store/syncApply';
import { updateResource } from '../../src/store/resources';
import type { RegisteredEndpoint } from '../../src/store/endpoints';
import { openTableBacked, type TableBackedServer } from './support';

const OTHER = 'http://other.test/sdata/crm/test/-/accounts';

describeEachDatabase('the change log of a table-backed endpoint', (tdb) => {
  let t: TableBackedServer;
  let app = '';
  let accounts: RegisteredEndpoint;

  beforeAll(async () => {
    ({ t, app } = await openTableBacked(tdb));
    accounts = t.server.runtime.catalog.endpoints.find((e) => e.def.app.name === 'erp' && e.def.kind.name === 'accounts')!;
  });

  afterAll(async () => {
    await t?.close();
  });

  const entryOf = async (key: string) => {
    const res = await fetch(`${t.erp}/accounts('${key}')`);
    return { status: res.status, etag: res.headers.get('etag'), body: await res.text() };
  };
  const insertAccount = async (name: string): Promise<string> => String((await t.sql<{ id: number }>(`INSERT INTO "${app}".accounts (name) VALUES (?) RETURNING id`, [name]))[0].id);

  it("serves an application's insert, update and delete at the next request", async () => {
    const key = await insertAccount('Fresh');
    expect(await entryOf(key)).toMatchObject({ status: 200, body: expect.stringContaining('<name>Fresh</name>') });
    await t.sql(`UPDATE "${app}".accounts SET name = 'Fresher' WHERE id = ${key}`);
    expect(await entryOf(key)).toMatchObject({ status: 200, body: expect.stringContaining('<name>Fresher</name>') });
    expect((await readAll(`${t.erp}/accounts`)).map((r) => r.values.name)).toContain('Fresher');
    await t.sql(`DELETE FROM "${app}".accounts WHERE id = ${key}`);
    expect((await entryOf(key)).status).toBe(404);
  });

  it("a page applied right after an application's change sees it: a conflict, not an overwrite", async () => {
    const key = await insertAccount('Mine');
    const seen = (await readAll(`${t.erp}/accounts`)).find((r) => r.key === key)!;
    const { rows } = await accounts.db.raw(`SELECT clock FROM endpoints WHERE id = ?`, [accounts.id]);
    const clockSeen = Number(rows[0].clock);
    // Changed by the application; nothing reads the endpoint before the page comes.
    await t.sql(`UPDATE "${app}".accounts SET name = 'Mine, changed' WHERE id = ${key}`);
    const stamp = new Date().toISOString();
    // The source has seen erp's version as it was read above (its digest covers erp up to that clock), not the change.
    const applied = await accounts.db.transaction((trx) => applyPage(trx, accounts, {
      mode: 'catchUp',
      ceiling: { entries: [ { endpoint: OTHER, tick: 2, stamp, conflictPriority: 1 }, { endpoint: accounts.url, tick: clockSeen, stamp, conflictPriority: accounts.def.priority } ] },
      isLastPage: false,
      entries: [{ index: 0, uuid: seen.uuid, givenUuid: seen.uuid, state: { endpoint: OTHER, tick: 1, stamp }, deleted: false, values: { name: 'Theirs' }, problems: [], raw: {} }],
    }));
    expect(applied.plan.entries.map((e) => e.outcome.kind)).toEqual(['conflict']);
    expect(applied.plan.conflicts).toHaveLength(1);

    // Keeping the parked version writes it to the application's table too, as a local change.
    const [parked] = await accounts.db('conflicts').where({ endpoint_id: accounts.id, status: 'open', uuid: seen.uuid }).select('id', 'loser_version');
    const kept = (typeof parked.loser_version === 'string' ? JSON.parse(parked.loser_version) : parked.loser_version).values.name;
    const res = await fetch(`${t.erp}/accounts/$conflicts('${parked.id}')/$resolve?action=keep`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect((await t.sql<{ name: string }>(`SELECT name FROM "${app}".accounts WHERE id = ${key}`))[0].name).toBe(kept);
    expect(await entryOf(key)).toMatchObject({ status: 200, body: expect.stringContaining(`<name>${kept}</name>`) });
  });

  it("a local change right after an application's change is refused by its precondition (412), not written over it", async () => {
    const key = await insertAccount('Before');
    const { etag } = await entryOf(key);
    await t.sql(`UPDATE "${app}".accounts SET name = 'Changed by the application' WHERE id = ${key}`);
    const ep = { id: accounts.id, url: accounts.url, keys: accounts.def.keys, table: accounts.table };
    await expect(accounts.db.transaction((trx) => updateResource(trx, ep, key, { name: 'Mine' }, [etag!]))).rejects.toMatchObject({ status: 412 });
    expect((await t.sql<{ name: string }>(`SELECT name FROM "${app}".accounts WHERE id = ${key}`))[0].name).toBe('Changed by the application');
  });
});
