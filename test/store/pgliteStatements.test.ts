/**
 * PGlite statements through knex (store/pgliteStatements.ts): values read back as written, short statements
 * prepared once and reused (PostgreSQL's pg_prepared_statements shows them), never more than MAX_NAMED of
 * them, and a failed statement leaves the next ones working, inside a transaction or not.
 */
import { openDatabase, type Db } from '../../src/store/db';
import { MAX_NAMED } from '../../src/store/pgliteStatements';

jest.setTimeout(120_000);

describe('PGlite statements', () => {
  let db: Db;
  const prepared = async (like: string): Promise<number> => {
    const { rows } = await db.raw<{ rows: { n: number }[] }>('select count(*)::int as n from pg_prepared_statements where statement like ?', [like]);
    return rows[0].n;
  };

  beforeAll(async () => {
    db = await openDatabase({ dataDir: 'memory://', migrate: false });
    await db.raw('create table probe (id int primary key, doc jsonb, tags text[], at timestamptz, flag boolean, note text)');
  });
  afterAll(() => db.destroy());

  it('reads values back as they were written (JSON, arrays, dates, booleans, nulls)', async () => {
    const at = new Date('2026-03-04T05:06:07.089Z');
    await db('probe').insert({ id: 1, doc: { a: [1, 'x'], b: null }, tags: ['one', 'two "quoted"', 'th,ree'], at, flag: true, note: null });
    const row = await db('probe').where('id', 1).first();
    expect(row).toEqual({ id: 1, doc: { a: [1, 'x'], b: null }, tags: ['one', 'two "quoted"', 'th,ree'], at, flag: true, note: null });
    const found = await db('probe').select('id').whereRaw('? = ANY(tags)', ['th,ree']);
    expect(found).toEqual([{ id: 1 }]);
  });

  it('prepares a short statement once and reuses it', async () => {
    for (let i = 0; i < 3; i++) await db('probe').select('id').where('note', 'reused statement');
    expect(await prepared('%reused statement%')).toBe(0); // the value is bound, not in the text
    expect(await prepared('select "id" from "probe" where "note" = $1')).toBe(1);
  });

  it('parses a statement of many values each time', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => 1000 + i);
    await db('probe').select('id').whereIn('id', ids);
    expect(await prepared('%1000%')).toBe(0);
    expect(await prepared('select "id" from "probe" where "id" in ($1, $2,%')).toBe(0);
  });

  it(`keeps at most ${MAX_NAMED} statements prepared`, async () => {
    for (let i = 0; i < MAX_NAMED + 20; i++) await db.raw(`select ${i} as distinct_statement`);
    const { rows } = await db.raw<{ rows: { n: number }[] }>('select count(*)::int as n from pg_prepared_statements');
    // The counting statement is prepared as it runs, before the oldest one is closed.
    expect(rows[0].n).toBeLessThanOrEqual(MAX_NAMED + 1);
    expect(await prepared(`select ${MAX_NAMED + 19} as distinct_statement`)).toBe(1);
    expect(await prepared('select 0 as distinct_statement')).toBe(0);
  });

  it('answers the error of a failed statement and runs the same statement again afterwards', async () => {
    const insert = (id: number) => db('probe').insert({ id, note: 'duplicate check' });
    await insert(2);
    await expect(insert(2)).rejects.toMatchObject({ code: '23505' });
    await insert(3);
    // A statement whose very first run fails after it was parsed: its next run works, on the same statement.
    const flagged = (id: number) => db('probe').insert({ id, flag: false });
    await expect(flagged(2)).rejects.toMatchObject({ code: '23505' });
    await flagged(4);
    expect(await prepared('insert into "probe" ("flag", "id") values ($1, $2)')).toBe(1);
    expect((await db('probe').whereIn('id', [2, 3, 4]).orderBy('id')).map((r) => [r.id, r.flag])).toEqual([
      [2, null],
      [3, null],
      [4, false],
    ]);
  });

  it('keeps a statement prepared in a transaction that was rolled back', async () => {
    await expect(
      db.transaction(async (trx) => {
        await trx('probe').where('id', 1).update({ note: 'rolled back' });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await db('probe').where('id', 1).first()).note).toBeNull();
    await db('probe').where('id', 1).update({ note: 'kept' });
    expect((await db('probe').where('id', 1).first()).note).toBe('kept');
  });
});
