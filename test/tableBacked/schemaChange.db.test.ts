/**
 * A table-backed target keeps what a source does not know (PROTOCOL.md 2.7): erp's accounts table has a
 * `vat_number` column its kind maps (crm's kind does not declare it) and a `notes` column no kind maps.
 */
import { describeEachDatabase } from '../support/databases';
import { create, readAll, update } from '../e2e/support/sdata';
import { pass, openTableBacked, type TableBackedServer } from './support';

describeEachDatabase('table-backed endpoint, properties one side does not know', (tdb) => {
  let t: TableBackedServer;

  beforeAll(async () => {
    ({ t } = await openTableBacked(tdb, {
      seed: () => ['ALTER TABLE accounts ADD COLUMN vat_number text, ADD COLUMN notes text'],
      kinds: (_crm, erp) => (erp.kinds[0].properties.vatNumber = { type: 'string', column: 'vat_number' }),
    }));
  });

  afterAll(async () => {
    await t?.close();
  });

  it("a change from a source that does not know vatNumber keeps the row's vat_number; the column's value is left out at that source, with a warning", async () => {
    await create(`${t.crm}/accounts`, 'account', { name: 'Acme' }, '1');
    expect(await pass(t.crm, t.erp, { kinds: ['accounts'] })).toMatchObject({ created: 1, failures: 0 });
    await t.sql(`UPDATE accounts SET vat_number = 'BE1', notes = 'kept' WHERE name = 'Acme'`);
    expect(await pass(t.erp, t.crm, { kinds: ['accounts'] })).toMatchObject({ updated: 1, warnings: 1, failures: 0 });
    const [acme] = await readAll(`${t.crm}/accounts`);
    expect(acme.values).not.toHaveProperty('vatNumber');

    await update(`${t.crm}/accounts`, acme.key, 'account', { name: 'Acme NV' });
    expect(await pass(t.crm, t.erp, { kinds: ['accounts'] })).toMatchObject({ updated: 1, warnings: 0, failures: 0 });
    expect(await t.sql('SELECT name, vat_number, notes FROM accounts')).toEqual([{ name: 'Acme NV', vat_number: 'BE1', notes: 'kept' }]);
  });
});
