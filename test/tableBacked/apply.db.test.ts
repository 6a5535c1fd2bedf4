/**
 * A table-backed endpoint (erp: accounts and contacts are rows of the application's own tables, in the
 * server's own database) served and synced like any other: passes write the application's rows (references
 * as foreign keys), the application's own SQL reaches the other endpoint, nothing is echoed, the HTTP API
 * writes the table, and what the table refuses (a reference not here yet, NOT NULL, CHECK, UNIQUE) is
 * quarantined alone, with the database's message, the reference retried when its row arrives.
 */
import { describeEachDatabase } from '../support/databases';
import { batchCreate, create, readAll, remove, update, valuesByUuid } from '../e2e/support/sdata';
import { SDataClient } from '../../src/engine/sdataClient';
import { runDistribution } from '../../src/engine/distribute';
import { pass, openTableBacked, type TableBackedServer } from './support';

interface AccountRow {
  id: number;
  name: string;
  email: string | null;
  balance: string | null;
  active: boolean | null;
  opened_on: unknown;
}

describeEachDatabase('table-backed endpoint in the server database', (tdb) => {
  let t: TableBackedServer;
  let app = '';
  const ticksOf = async (kind: string): Promise<number> => {
    const e = t.server.runtime.catalog.endpoints.find((x) => x.def.app.name === 'erp' && x.def.kind.name === kind)!;
    return (await e.db('endpoints').where({ id: e.id }).first<{ clock: number }>())!.clock;
  };
  const failuresOf = async (kind: string): Promise<string> => (await (await fetch(`${t.erp}/${kind}/$failures`)).text()).replace(/&quot;/g, '"');

  beforeAll(async () => {
    ({ t, app } = await openTableBacked(tdb));
  });

  afterAll(async () => {
    await t?.close();
  });

  const accounts = () => t.sql<AccountRow>(`SELECT id, name, email, balance::text AS balance, active, opened_on::text AS opened_on FROM "${app}".accounts ORDER BY id`);

  it('a pass writes every resource into the application tables, references as foreign keys; a second pass in each direction moves nothing', async () => {
    await batchCreate(`${t.crm}/accounts`, 'account', [
      { key: '1', values: { name: 'Acme', email: 'acme@example.com', balance: '12.50', active: 'true', openedOn: '2024-02-29' } },
      { key: '2', values: { name: 'Globex', balance: '0' } },
    ]);
    const [acme] = (await readAll(`${t.crm}/accounts`)).filter((r) => r.values.name === 'Acme');
    await create(`${t.crm}/contacts`, 'contact', { firstName: 'Ann', lastName: 'Lee', account: { ref: acme.uuid } }, '1');

    const ticksBefore = [await ticksOf('accounts'), await ticksOf('contacts')];
    const first = await pass(t.crm, t.erp);
    expect(first).toMatchObject({ state: 'done', created: 3, failures: 0 });
    expect(await accounts()).toEqual([
      { id: expect.any(Number), name: 'Acme', email: 'acme@example.com', balance: '12.50', active: true, opened_on: '2024-02-29' },
      { id: expect.any(Number), name: 'Globex', email: null, balance: '0', active: null, opened_on: null },
    ]);
    const contacts = await t.sql<{ first_name: string; account: string }>(`SELECT c.first_name, a.name AS account FROM "${app}".contacts c JOIN "${app}".accounts a ON a.id = c.account_id`);
    expect(contacts).toEqual([{ first_name: 'Ann', account: 'Acme' }]);
    // The keys of rows sync created come from the key column's sequence, and name the resources at erp.
    const rows = await accounts();
    expect((await readAll(`${t.erp}/accounts`)).map((r) => r.key).sort()).toEqual(rows.map((r) => String(r.id)).sort());
    expect(Object.fromEntries(await valuesByUuid(`${t.erp}/contacts`))).toEqual(Object.fromEntries(await valuesByUuid(`${t.crm}/contacts`)));
    // Queries read the referenced kind's endpoint, in the same store.
    expect(await (await fetch(`${t.erp}/contacts?include=account`)).text()).toMatch(/<name>Acme<\/name>/);
    expect(await (await fetch(`${t.erp}/accounts?where=${encodeURIComponent("name eq 'Globex'")}`)).text()).toMatch(/<opensearch:totalResults>1</);

    // Writing the application's rows took no tick of the capture: nothing to echo.
    expect([await ticksOf('accounts'), await ticksOf('contacts')]).toEqual(ticksBefore);
    const ticks = await ticksOf('accounts');
    expect(await pass(t.crm, t.erp)).toMatchObject({ state: 'done', entries: 0 });
    expect(await pass(t.erp, t.crm)).toMatchObject({ state: 'done', entries: 0, created: 0, updated: 0 });
    expect(await ticksOf('accounts')).toBe(ticks);
  });

  it("the application's own SQL (insert, update, a multi-row update, delete) reaches crm in the next pass, and nothing comes back", async () => {
    await t.sql(`INSERT INTO "${app}".accounts (name, email, balance) VALUES ('Initech', 'info@initech.example', 3.25)`);
    // Acme was active: one statement changes both rows; an UPDATE that changes nothing mapped would take no tick.
    await t.sql(`UPDATE "${app}".accounts SET active = false WHERE name IN ('Acme', 'Globex')`);
    await t.sql(`UPDATE "${app}".accounts SET active = false WHERE name = 'Acme'`);
    await t.sql(`DELETE FROM "${app}".contacts`);
    const s = await pass(t.erp, t.crm);
    expect(s).toMatchObject({ state: 'done', created: 1, updated: 2, deleted: 1, failures: 0 });
    const atCrm = [...(await valuesByUuid(`${t.crm}/accounts`)).values()].sort((a, b) => a.name.localeCompare(b.name));
    expect(atCrm.map((v) => [v.name, v.active ?? ''])).toEqual([
      ['Acme', 'false'],
      ['Globex', 'false'],
      ['Initech', ''],
    ]);
    expect(await readAll(`${t.crm}/contacts`)).toEqual([]);
    const ticks = await ticksOf('accounts');
    expect(await pass(t.crm, t.erp)).toMatchObject({ entries: 0 });
    expect(await pass(t.erp, t.crm)).toMatchObject({ entries: 0 });
    expect(await ticksOf('accounts')).toBe(ticks);
  });

  it('the HTTP API of the table-backed endpoint writes the application table (POST, PUT, DELETE, $batch)', async () => {
    await create(`${t.erp}/accounts`, 'account', { name: 'Hooli', balance: '7' });
    const [hooli] = (await accounts()).filter((r) => r.name === 'Hooli');
    expect(hooli).toMatchObject({ balance: '7' });
    await update(`${t.erp}/accounts`, String(hooli.id), 'account', { name: 'Hooli XYZ', balance: '8' });
    expect((await accounts()).find((r) => r.id === hooli.id)).toMatchObject({ name: 'Hooli XYZ', balance: '8' });
    await batchCreate(`${t.erp}/accounts`, 'account', [{ key: '900', values: { name: 'Batch' } }]);
    expect((await accounts()).find((r) => r.id === 900)).toMatchObject({ name: 'Batch' });
    await remove(`${t.erp}/accounts`, '900');
    expect((await accounts()).find((r) => r.id === 900)).toBeUndefined();
    // A value the table refuses is a 409 with the database's message, and changes nothing.
    const before = await ticksOf('accounts');
    const refused = await fetch(`${t.erp}/accounts('${hooli.id}')`, {
      method: 'PUT',
      headers: { 'content-type': 'application/atom+xml;type=entry' },
      body: `<entry xmlns="http://www.w3.org/2005/Atom" xmlns:sdata="http://schemas.sage.com/sdata/2008/1"><sdata:payload><account xmlns="urn:sdata-sync:demo"><name>Hooli</name><balance>-1</balance></account></sdata:payload></entry>`,
    });
    expect(refused.status).toBe(409);
    expect((await refused.text()).replace(/&quot;/g, '"')).toMatch(/CheckViolation[\s\S]*violates check constraint "accounts_balance_check"/);
    expect((await accounts()).find((r) => r.id === hooli.id)).toMatchObject({ name: 'Hooli XYZ' });
    expect(await ticksOf('accounts')).toBe(before);
    // A key the table's key column cannot hold names no resource: 404, as anywhere.
    expect((await fetch(`${t.erp}/accounts('not-a-number')`, { method: 'DELETE' })).status).toBe(404);
    const s = await pass(t.erp, t.crm);
    expect(s).toMatchObject({ failures: 0, created: 1, updated: 0 });
  });

  it('an entry the table refuses (CHECK, UNIQUE, NOT NULL) is quarantined alone with the database message; the rest of the page applies', async () => {
    await batchCreate(`${t.crm}/accounts`, 'account', [
      { key: '10', values: { name: 'Negative', balance: '-5' } },
      { key: '11', values: { name: 'Dup', email: 'acme@example.com' } },
      { key: '12', values: { name: 'Fine' } },
    ]);
    const s = await pass(t.crm, t.erp);
    expect(s).toMatchObject({ created: 1, failures: 2 });
    expect((await accounts()).map((r) => r.name)).toContain('Fine');
    expect((await accounts()).map((r) => r.name)).not.toContain('Negative');
    const failures = await failuresOf('accounts');
    expect(failures).toMatch(/CheckViolation[\s\S]*violates check constraint "accounts_balance_check"/);
    expect(failures).toMatch(/UniqueViolation[\s\S]*duplicate key value violates unique constraint "accounts_email_key"/);
  });

  it('a contact whose account is not here yet is quarantined, then applied when the account arrives; a NOT NULL column left empty is quarantined', async () => {
    await create(`${t.crm}/accounts`, 'account', { name: 'Late Inc' }, '20');
    const [late] = (await readAll(`${t.crm}/accounts`)).filter((r) => r.values.name === 'Late Inc');
    await create(`${t.crm}/contacts`, 'contact', { firstName: 'Bo', lastName: 'Early', account: { ref: late.uuid } }, '20');
    await create(`${t.crm}/contacts`, 'contact', { firstName: 'Nameless' }, '21');
    const contactsFirst = await pass(t.crm, t.erp, { kinds: ['contacts'] });
    expect(contactsFirst).toMatchObject({ created: 0, failures: 2 });
    const failures = await failuresOf('contacts');
    expect(failures).toMatch(new RegExp(`ReferenceNotFound[\\s\\S]*${late.uuid}`));
    expect(failures).toMatch(/NotNullViolation[\s\S]*null value in column "last_name"/);
    const contactRows = () => t.sql<{ first_name: string; account: string | null }>(`SELECT c.first_name, a.name AS account FROM "${app}".contacts c LEFT JOIN "${app}".accounts a ON a.id = c.account_id ORDER BY c.id`);
    expect(await contactRows()).toEqual([]);

    await pass(t.crm, t.erp, { kinds: ['accounts'] });
    expect(await contactRows()).toEqual([{ first_name: 'Bo', account: 'Late Inc' }]);
    expect(Object.fromEntries(await valuesByUuid(`${t.erp}/contacts`))).toEqual(
      Object.fromEntries([...(await valuesByUuid(`${t.crm}/contacts`))].filter(([, v]) => v.firstName === 'Bo')),
    );
  });

  it('a two-phase distribution to the table-backed endpoint writes the table at commit only; a row the table refuses is a Nak and nothing is written', async () => {
    let whilePrepared: string[] = [];
    const distribute = () =>
      runDistribution({
        source: `${t.crm}/accounts`,
        targets: [`${t.erp}/accounts`],
        twoPhase: true,
        timeoutSeconds: 10,
        client: new SDataClient({ run: { runName: `two-phase ${Date.now()}`, runStamp: new Date().toISOString() } }),
        onPrepared: async () => {
          whilePrepared = (await accounts()).map((r) => r.name);
        },
      });
    await create(`${t.crm}/accounts`, 'account', { name: 'Two-phase', balance: '3' }, '30');
    const committed = await distribute();
    expect(committed.decision).toBe('commit');
    expect(whilePrepared).not.toContain('Two-phase');
    expect((await accounts()).find((r) => r.name === 'Two-phase')).toMatchObject({ balance: '3' });

    await create(`${t.crm}/accounts`, 'account', { name: 'Two-phase refused', balance: '-3' }, '31');
    const aborted = await distribute();
    expect(aborted.decision).toBe('abort');
    expect(aborted.targets[0]).toMatchObject({ vote: 'Nak' });
    expect((await accounts()).find((r) => r.name === 'Two-phase refused')).toBeUndefined();
  });
});
