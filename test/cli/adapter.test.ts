/** `sdata-sync adapter install|remove`: 0 when done, 2 for a configuration the live tables refuse, 1 when the database fails. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/program';
import type { Db } from '../../src/store/db';
import { describePostgres, postgresUrl } from '../support/databases';
import { createAppTables, uniqueName } from '../store/tableBacked/support';

function configFile(dir: string, name: string, connection: string, schema: string, adapterSchema: string, nameColumn = 'full_name'): string {
  const table = (t: string) => ({ connection, schema, name: t, key: 'id', adapterSchema });
  const cfg = {
    server: { publicBaseUrl: 'http://sdata.test' },
    applications: [
      {
        name: 'erp',
        contract: 'test',
        namespace: 'urn:erp',
        kinds: [
          { name: 'accounts', element: 'account', table: table('accounts'), properties: { name: { type: 'string' } } },
          { name: 'customers', element: 'customer', table: table('customers'), properties: { name: { type: 'string', column: nameColumn }, account: { type: 'reference', kind: 'accounts', column: 'account_id' } } },
        ],
      },
    ],
  };
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, JSON.stringify(cfg, null, 2));
  return file;
}

describePostgres('sdata-sync adapter', (tdb) => {
  const dir = mkdtempSync(join(tmpdir(), 'sdata-adapter-'));
  let db: Db;
  let app: string;
  let adapterSchema: string;
  let out: string[];
  let err: string[];
  let stdout: jest.SpyInstance;
  let stderr: jest.SpyInstance;

  beforeAll(async () => {
    db = await tdb.open();
    app = uniqueName('app');
    adapterSchema = uniqueName('ad');
    await createAppTables(db, app);
    await db.raw(`INSERT INTO "${app}".accounts (name) VALUES ('Acme')`);
    await db.raw(`INSERT INTO "${app}".customers (full_name, account_id) VALUES ('Ann', 1), ('Bob', 1)`);
  });
  afterAll(async () => {
    await db.raw(`DROP SCHEMA IF EXISTS "${app}" CASCADE`);
    await db.raw(`DROP SCHEMA IF EXISTS "${adapterSchema}" CASCADE`);
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    out = [];
    err = [];
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  });
  afterEach(() => {
    stdout.mockRestore();
    stderr.mockRestore();
  });

  it('installs, reinstalls without change, and removes', async () => {
    const file = configFile(dir, 'good', postgresUrl!, app, adapterSchema);
    await expect(main(['adapter', 'install', '--config', file])).resolves.toBe(0);
    expect(out.join('')).toContain(`${app}.customers -> http://sdata.test/sdata/erp/test/-/customers: 2 rows captured, triggers installed`);
    out.length = 0;
    await expect(main(['adapter', 'install', '--config', file])).resolves.toBe(0);
    expect(out.join('')).toContain(`${app}.customers -> http://sdata.test/sdata/erp/test/-/customers: 0 rows captured, triggers unchanged`);
    await expect(main(['adapter', 'remove', '--config', file])).resolves.toBe(0);
    expect(out.join('')).toContain(`removed the capture of ${app}.accounts, ${app}.customers and schema ${adapterSchema}`);
    await expect(main(['adapter', 'remove', '--config', file])).resolves.toBe(0);
    expect(out.join('')).toContain(`nothing installed in schema ${adapterSchema}`);
  });

  it('exits 2 naming table and column when the live table refuses the configuration', async () => {
    const file = configFile(dir, 'bad', postgresUrl!, app, adapterSchema, 'full_nam');
    await expect(main(['adapter', 'install', '--config', file])).resolves.toBe(2);
    expect(err.join('')).toContain(`table ${app}.customers has no column "full_nam" (property name of kind customers)`);
    const { rows } = await db.raw(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = ?`, [adapterSchema]);
    expect(rows[0].n).toBe(0);
  });

  it('exits 1 when the database cannot be reached', async () => {
    const file = configFile(dir, 'unreachable', 'postgres://postgres@127.0.0.1:1/test', app, adapterSchema);
    await expect(main(['adapter', 'install', '--config', file])).resolves.toBe(1);
    expect(err.join('')).toMatch(/ECONNREFUSED/);
  });

  it('exits 2 without --config', async () => {
    await expect(main(['adapter', 'install'])).resolves.toBe(2);
  });
});
