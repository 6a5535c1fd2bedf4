import { describeEachDatabase } from './support/databases';
import { runMigrations } from '../src/store/migrate';

describeEachDatabase('migrations', (tdb) => {
  it('creates the core tables and is idempotent', async () => {
    const db = await tdb.open();
    for (const table of ['endpoints', 'digest_entries', 'resources', 'contexts', 'conflicts', 'failures', 'sync_results']) {
      expect(await db.schema.hasTable(table)).toBe(true);
    }
    expect(await runMigrations(db)).toEqual([]);
    const r = await db.raw('select 9007199254740::bigint as t');
    expect(r.rows[0].t).toBe(9007199254740);
  });
});
