/**
 * A table-backed kind whose application writes a value XML 1.0 cannot carry (U+FFFF, U+0001: PostgreSQL
 * text holds them) never breaks its sync feed: that row's version is withheld at the source, listed at its
 * `$failures` with a diagnosis, the other rows are served, and once the application corrects the row its
 * next version arrives like any other change.
 */
import { describeEachDatabase } from '../support/databases';
import { readAll } from '../e2e/support/sdata';
import { parseFailureFeed } from '../../src/atom/parkedFeeds';
import { pass, openTableBacked, type TableBackedServer } from './support';

describeEachDatabase('table-backed values XML cannot carry', (tdb) => {
  let t: TableBackedServer;
  let app = '';

  beforeAll(async () => {
    ({ t, app } = await openTableBacked(tdb));
  });

  afterAll(async () => {
    await t?.close();
  });

  const namesAtCrm = async (): Promise<string[]> => (await readAll(`${t.crm}/accounts`)).map((r) => r.values.name).sort();

  it('withholds the row at the source with a diagnosis, serves the others, and serves the corrected row later', async () => {
    await t.sql(`INSERT INTO "${app}".accounts (name) VALUES ('Good 1')`);
    const [bad] = await t.sql<{ id: number }>(`INSERT INTO "${app}".accounts (name, email) VALUES ('Bad' || chr(65535), 'x' || chr(1)) RETURNING id`);
    await t.sql(`INSERT INTO "${app}".accounts (name) VALUES ('Good 2')`);

    const first = await pass(t.erp, t.crm, { kinds: ['accounts'] });
    expect(first).toMatchObject({ state: 'done', created: 2, failures: 0 });
    expect(await namesAtCrm()).toEqual(['Good 1', 'Good 2']);

    const listing = await fetch(`${t.erp}/accounts/$failures?status=withheld`);
    expect(listing.status).toBe(200);
    const withheld = parseFailureFeed(await listing.text()).items;
    expect(withheld).toEqual([
      expect.objectContaining({ status: 'withheld', diagnoses: [expect.objectContaining({ applicationCode: 'UnservableValue', message: expect.stringContaining('U+FFFF') })] }),
    ]);

    await t.sql(`UPDATE "${app}".accounts SET name = 'Corrected', email = NULL WHERE id = ?`, [bad.id]);
    await t.sql(`INSERT INTO "${app}".accounts (name) VALUES ('Later 1'), ('Later 2')`);
    const later = await pass(t.erp, t.crm, { kinds: ['accounts'] });
    expect(later).toMatchObject({ state: 'done', created: 3, failures: 0 });
    expect(await namesAtCrm()).toEqual(['Corrected', 'Good 1', 'Good 2', 'Later 1', 'Later 2']);
  });
});
