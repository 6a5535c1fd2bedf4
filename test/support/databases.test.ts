/**
 * Every test database is its own: what one test writes (and flushes to its files) is not in a database
 * opened after it, however the databases are made (on PGlite, copies of one template read once per file).
 */
import { describeEachDatabase } from './databases';

describeEachDatabase('a fresh test database', (tdb) => {
  it('holds nothing another one wrote, flushed to its files before it opened', async () => {
    const first = await tdb.open();
    await first.raw('CREATE TABLE written_elsewhere (n int)');
    await first.raw('INSERT INTO written_elsewhere SELECT generate_series(1, 1000)');
    await first.raw('CHECKPOINT');
    const second = await tdb.open();
    const found = await second.raw("SELECT to_regclass('written_elsewhere') IS NULL AS absent");
    expect(found.rows[0].absent).toBe(true);
    expect((await first.raw('SELECT count(*)::int AS n FROM written_elsewhere')).rows[0].n).toBe(1000);
  });
});
