/**
 * Linking what already exists (PROTOCOL.md 2.8) on a table-backed kind: erp's accounts are rows its
 * application wrote before sdata-sync was installed; crm holds the same customers (same emails, other
 * names). A pass links each row to crm's resource instead of inserting a second row: the row keeps its
 * key, the store gives its resource crm's UUID, and the winner's values (crm, priority 1) land in the row.
 */
import { describeEachDatabase } from '../support/databases';
import { batchCreate, readAll } from '../e2e/support/sdata';
import { pass, openTableBacked, type TableBackedServer } from './support';

describeEachDatabase('table-backed kind linked on email', (tdb) => {
  let t: TableBackedServer;
  let app = '';

  beforeAll(async () => {
    ({ t, app } = await openTableBacked(tdb, {
      kinds: (crm, erp) => {
        for (const a of [crm, erp]) a.kinds[0].link = { on: ['email'] };
      },
      seed: (s) => [`INSERT INTO "${s}".accounts (name, email, balance) VALUES ('Acme (erp)', 'ACME@example.com ', 1), ('Globex (erp)', 'globex@example.com', 2), ('Erp only', 'erp@example.com', 3)`],
    }));
  });

  afterAll(async () => {
    await t?.close();
  });

  it('links the rows that match, inserts the others, and a second pass each way moves nothing', async () => {
    await batchCreate(`${t.crm}/accounts`, 'account', [
      { key: '1', values: { name: 'Acme', email: 'acme@example.com', balance: '10' } },
      { key: '2', values: { name: 'Globex', email: 'globex@example.com', balance: '20' } },
      { key: '3', values: { name: 'Crm only', email: 'crm@example.com', balance: '30' } },
    ]);
    const first = await pass(t.crm, t.erp, { kinds: ['accounts'] });
    expect(first).toMatchObject({ state: 'done', created: 1, conflicts: 2, failures: 0 });
    const rows = await t.sql<{ id: number; name: string; email: string }>(`SELECT id, name, email FROM "${app}".accounts ORDER BY id`);
    expect(rows).toEqual([
      { id: 1, name: 'Acme', email: 'acme@example.com' },
      { id: 2, name: 'Globex', email: 'globex@example.com' },
      { id: 3, name: 'Erp only', email: 'erp@example.com' },
      { id: 4, name: 'Crm only', email: 'crm@example.com' },
    ]);
    await pass(t.erp, t.crm, { kinds: ['accounts'] });
    const byUuid = (list: { uuid: string; values: Record<string, unknown> }[]) => Object.fromEntries(list.map((r) => [r.uuid, r.values.email]));
    const atCrm = byUuid(await readAll(`${t.crm}/accounts`));
    expect(Object.keys(atCrm)).toHaveLength(4);
    expect(byUuid(await readAll(`${t.erp}/accounts`))).toEqual(atCrm);
    expect(await pass(t.crm, t.erp, { kinds: ['accounts'] })).toMatchObject({ entries: 0 });
    expect(await pass(t.erp, t.crm, { kinds: ['accounts'] })).toMatchObject({ entries: 0 });
  });
});
