/**
 * The live check of table-backed kinds against the application's tables: each problem is reported naming
 * its table and column, all of them at once, as a bad configuration (TableCheckError is a ConfigError).
 */
import { describeEachDatabase } from '../../support/databases';
import { ConfigError } from '../../../src/config/load';
import type { Db } from '../../../src/store/db';
import { checkLiveTables, TableCheckError } from '../../../src/store/tableBacked/liveCheck';
import { tableMappingOf } from '../../../src/store/tableBacked/mapping';
import { createAppTables, tableConfig, uniqueName, type TableOptions } from './support';

describeEachDatabase('live check of table-backed kinds', (tdb) => {
  let db: Db;
  let app: string;

  beforeAll(async () => {
    db = await tdb.open();
    app = uniqueName('app');
    await createAppTables(db, app);
    await db.raw(`CREATE TABLE "${app}".nokey (id int, name text)`);
    await db.raw(`CREATE TABLE "${app}".twokeys (id int, part int, name text, PRIMARY KEY (id, part))`);
    await db.raw(`CREATE DOMAIN "${app}".label AS varchar(40)`);
    await db.raw(`CREATE TABLE "${app}".labelled (id int PRIMARY KEY, tag "${app}".label)`);
  });

  afterAll(async () => {
    if (tdb.kind === 'postgres') await db.raw(`DROP SCHEMA IF EXISTS "${app}" CASCADE`);
  });

  const check = (o: Partial<TableOptions> = {}, edit?: (kinds: ReturnType<typeof tableConfig>['applications'][0]['kinds']) => void) => {
    const cfg = tableConfig({ schema: app, adapterSchema: 'sdata_sync', ...o });
    edit?.(cfg.applications[0].kinds);
    return checkLiveTables(db, cfg.applications[0].kinds.map((k) => tableMappingOf(k)!));
  };

  it('accepts tables that carry their kinds, and reports their key columns', async () => {
    const live = await check();
    expect(live.get('customers')!.key).toMatchObject({ name: 'id', type: 'int8', defaultExpr: expect.stringContaining('nextval') });
    expect(live.get('customers')!.columns.get('seen')!.type).toBe('timestamptz');
  });

  it('names the table and the column of a missing column', async () => {
    const err = await check({ customers: { name: { type: 'string', column: 'full_nam' } } }).catch((e) => e);
    expect(err).toBeInstanceOf(TableCheckError);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.problems).toEqual([
      `table ${app}.customers has no column "full_nam" (property name of kind customers)`,
      `table ${app}.customers: column "full_name" is NOT NULL without a default and not mapped to a property of kind customers (rows created by sync could not be written)`,
    ]);
  });

  it('names the column whose type cannot carry its property', async () => {
    await expect(check({ customers: { visits: { type: 'boolean' } } })).rejects.toThrow(
      `table ${app}.customers: column "visits" is of type int4, which cannot carry property visits of kind customers (boolean: bool)`,
    );
    await expect(check({ customers: { born: { type: 'datetime' } } })).rejects.toThrow(`column "born" is of type date, which cannot carry property born of kind customers`);
    await expect(check({ customers: { account: { type: 'reference', kind: 'accounts', column: 'email' } } })).rejects.toThrow(
      `table ${app}.customers: column "email" is of type text, which cannot carry property account of kind customers (a reference to accounts, whose key "id" is int4)`,
    );
  });

  it('resolves a domain to its base type', async () => {
    const live = await check({}, (kinds) => {
      kinds[0].table = { ...kinds[0].table!, name: 'labelled' };
      kinds[0].properties = { tag: { type: 'string', required: false } };
      kinds.splice(1);
    });
    expect(live.get('accounts')!.columns.get('tag')!.type).toBe('varchar');
  });

  it('refuses a missing table, a table without a primary key and a key that is not the primary key', async () => {
    const onTable = (name: string, key = 'id') => (kinds: ReturnType<typeof tableConfig>['applications'][0]['kinds']) => {
      kinds[0].table = { ...kinds[0].table!, name, key };
      kinds[0].properties = { name: { type: 'string', required: false } };
      kinds.splice(1);
    };
    await expect(check({}, onTable('missing'))).rejects.toThrow(`table ${app}.missing does not exist (kind accounts)`);
    await expect(check({}, onTable('nokey'))).rejects.toThrow(`table ${app}.nokey has no primary key (kind accounts needs "id" as its primary key)`);
    await expect(check({}, onTable('twokeys'))).rejects.toThrow(`table ${app}.twokeys: the primary key is ("id", "part"), not the key column "id" of kind accounts`);
    await expect(check({}, onTable('accounts', 'name'))).rejects.toThrow(`table ${app}.accounts: the primary key is ("id"), not the key column "name" of kind accounts`);
    await expect(check({}, onTable('accounts', 'nope'))).rejects.toThrow(`table ${app}.accounts has no column "nope" (the key of kind accounts)`);
  });

  it('refuses the table\'s own schema as the adapter schema', async () => {
    await expect(check({ adapterSchema: app })).rejects.toThrow(`adapterSchema "${app}" is the table's own schema`);
  });
});
