/**
 * Keys of the rows sync creates in an application table: the key column's default (a uuid default here),
 * its identity sequence (GENERATED ALWAYS included), or, without either, the application's key style; and a
 * reference to a row created by the same page (a table referencing itself) written as that row's new key.
 */
import { parseConfig } from '../../src/config/load';
import { startServer, type RunningServer } from '../../src/endpoint/server';
import type { Db } from '../../src/store/db';
import { describeEachDatabase } from '../support/databases';
import { create, DEMO_NS, readAll } from '../e2e/support/sdata';
import { freePort } from '../e2e/support/processes';
import { install, pass, uniqueName } from './support';

const TABLES = {
  byIdentity: 'id int GENERATED ALWAYS AS IDENTITY (START WITH 500) PRIMARY KEY, name text',
  byDefault: 'id uuid DEFAULT gen_random_uuid() PRIMARY KEY, name text',
  byStyle: 'id text PRIMARY KEY, name text',
};

describeEachDatabase('keys of rows that sync creates in an application table', (tdb) => {
  let server: RunningServer;
  let db: Db;
  let schema = '';
  const tableOf = (table: boolean, name: string) => (table ? { table: { schema, name: name.toLowerCase(), key: 'id', adapterSchema: uniqueSchema } } : {});
  const kinds = (table: boolean) => [
    ...Object.keys(TABLES).map((name) => ({ name, element: 'thing', ...tableOf(table, name), properties: { name: { type: 'string' } } })),
    { name: 'employees', element: 'employee', ...tableOf(table, 'employees'), properties: { name: { type: 'string' }, manager: { type: 'reference', kind: 'employees', column: 'manager_id' } } },
  ];
  const uniqueSchema = uniqueName('sdata');

  beforeAll(async () => {
    db = await tdb.open();
    schema = tdb.kind === 'postgres' ? ((await db.raw('SELECT current_schema() AS s')).rows[0].s as string) : 'public';
    for (const [name, columns] of Object.entries(TABLES)) await db.raw(`CREATE TABLE "${schema}".${name.toLowerCase()} (${columns})`);
    await db.raw(`CREATE TABLE "${schema}".employees (id serial PRIMARY KEY, name text, manager_id int REFERENCES "${schema}".employees (id))`);
    const cfg = parseConfig(
      {
        server: { port: await freePort() },
        log: { level: 'warn' },
        applications: [
          { name: 'crm', contract: 'test', namespace: DEMO_NS, kinds: kinds(false) },
          { name: 'erp', contract: 'test', namespace: DEMO_NS, keys: { style: 'prefixed', prefix: 'T', width: 4 }, kinds: kinds(true) },
        ],
      },
      {},
    );
    await install(cfg, db);
    server = await startServer(cfg, { db });
    for (const kind of Object.keys(TABLES)) await create(`${server.url}/sdata/crm/test/-/${kind}`, 'thing', { name: `a ${kind}` });
    const employees = `${server.url}/sdata/crm/test/-/employees`;
    await create(employees, 'employee', { name: 'Boss' });
    await create(employees, 'employee', { name: 'Worker', manager: { ref: (await readAll(employees))[0].uuid } });
    expect(await pass(`${server.url}/sdata/crm/test/-`, `${server.url}/sdata/erp/test/-`)).toMatchObject({ created: 5, failures: 0 });
  });

  afterAll(async () => {
    await server?.close();
  });

  const keyOf = async (kind: string): Promise<{ served: string; row: string }> => {
    const [served] = await readAll(`${server.url}/sdata/erp/test/-/${kind}`);
    const { rows } = await db.raw(`SELECT id::text AS id FROM "${schema}".${kind.toLowerCase()}`);
    return { served: served.key, row: rows[0].id };
  };

  it('an identity column gives the key (GENERATED ALWAYS: its sequence, not an override of it)', async () => {
    expect(await keyOf('byIdentity')).toEqual({ served: '500', row: '500' });
  });

  it("a key column's default gives the key", async () => {
    const k = await keyOf('byDefault');
    expect(k.served).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(k.row).toBe(k.served);
  });

  it("without a default, the application's key style gives the key", async () => {
    expect(await keyOf('byStyle')).toEqual({ served: 'T0001', row: 'T0001' });
  });

  it('a reference to a row the same page creates (a table referencing itself) is written as that row’s new key', async () => {
    const { rows } = await db.raw(`SELECT e.name, m.name AS manager FROM "${schema}".employees e LEFT JOIN "${schema}".employees m ON m.id = e.manager_id ORDER BY e.id`);
    expect(rows).toEqual([
      { name: 'Boss', manager: null },
      { name: 'Worker', manager: 'Boss' },
    ]);
  });
});
