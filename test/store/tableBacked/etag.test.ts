/** The ETag of a version computed in SQL by the capture triggers (etagSql) equals the one computed in TypeScript (etagOf). */
import { describeEachDatabase } from '../../support/databases';
import type { Db } from '../../../src/store/db';
import { etagOf, etagSql } from '../../../src/store/versions';

const STATES = [
  { endpoint: 'http://sdata.test/sdata/erp/test/-/customers', tick: 1 },
  { endpoint: 'http://sdata.test/sdata/erp/test/-/customers', tick: 9_007_199_254_740_991 },
  { endpoint: "https://h.example:8443/sdata/ünï/c'o/-/k", tick: 42 },
  ...Array.from({ length: 200 }, (_, i) => ({ endpoint: `http://e${i}.test/sdata/a/b/-/k${i * 7}`, tick: i * 131 + 1 })),
];

describeEachDatabase('ETag in SQL and in TypeScript', (tdb) => {
  let db: Db;
  beforeAll(async () => {
    db = await tdb.open();
  });

  it('agree for every sync state', async () => {
    const { rows } = await db.raw<{ rows: { etag: string }[] }>(
      `SELECT ${etagSql('s.endpoint', 's.tick')} AS etag FROM ROWS FROM (jsonb_to_recordset(?::jsonb) AS (endpoint text, tick bigint)) WITH ORDINALITY AS s(endpoint, tick, n) ORDER BY n`,
      [JSON.stringify(STATES)],
    );
    expect(rows.map((r) => r.etag)).toEqual(STATES.map(etagOf));
    expect(new Set(rows.map((r) => r.etag)).size).toBe(STATES.length);
    expect(rows.every((r) => /^[A-Za-z0-9_-]{16}$/.test(r.etag))).toBe(true);
  });
});
