/**
 * Property (fast-check): three endpoints in a triangle, erp's table-backed (its accounts are the rows of an
 * application table in the server's database), crm's and web's in sdata-sync's own tables. Random creates,
 * updates and deletes through the HTTP API at any endpoint, and at erp also the application's own SQL on its
 * table (single-row inserts, updates and deletes, and multi-row updates), interleaved with random passes in
 * random directions. Then passes run until nothing moves: every endpoint holds the same data by UUID, and
 * erp's table holds exactly erp's resources.
 *
 * TABLE_CONVERGENCE_RUNS=n runs n histories (default 1; 3 in `npm run test:soak`).
 */
import fc from 'fast-check';
import { parseConfig } from '../../src/config/load';
import type { Config } from '../../src/config/schema';
import { startServer, type RunningServer } from '../../src/endpoint/server';
import { SDataClient } from '../../src/engine/sdataClient';
import { runPass } from '../../src/engine/pass';
import type { Db } from '../../src/store/db';
import { describeEachDatabase } from '../support/databases';
import { create, readAll, remove, update, valuesByUuid, DEMO_NS } from '../e2e/support/sdata';
import { freePort } from '../e2e/support/processes';
import { install, uniqueName } from './support';

jest.setTimeout(600_000);

const RUNS = Number(process.env.TABLE_CONVERGENCE_RUNS ?? 1);
const NAMES = ['crm', 'erp', 'web'] as const;
const ERP = 1;
const EDGES: [number, number][] = [
  [0, 1],
  [1, 2],
  [0, 2],
];

type Op =
  | { type: 'create'; at: number; name: number }
  | { type: 'update'; at: number; pick: number; name: number }
  | { type: 'delete'; at: number; pick: number }
  | { type: 'sqlInsert'; name: number }
  | { type: 'sqlUpdate'; pick: number; name: number }
  | { type: 'sqlUpdateMany'; modulo: number }
  | { type: 'sqlDelete'; pick: number }
  | { type: 'pass'; edge: number; reverse: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ type: fc.constant('create' as const), at: fc.nat(2), name: fc.nat(999) }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('update' as const), at: fc.nat(2), pick: fc.nat(50), name: fc.nat(999) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('delete' as const), at: fc.nat(2), pick: fc.nat(50) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('sqlInsert' as const), name: fc.nat(999) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('sqlUpdate' as const), pick: fc.nat(50), name: fc.nat(999) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('sqlUpdateMany' as const), modulo: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('sqlDelete' as const), pick: fc.nat(50) }) },
  { weight: 4, arbitrary: fc.record({ type: fc.constant('pass' as const), edge: fc.nat(2), reverse: fc.boolean() }) },
);

function triangleConfig(port: number, appSchema: string, adapterSchema: string): Config {
  const accounts = (table: boolean) => ({
    name: 'accounts',
    element: 'account',
    ...(table ? { table: { schema: appSchema, name: 'accounts', key: 'id', adapterSchema } } : {}),
    properties: { name: { type: 'string', required: true }, balance: { type: 'decimal' }, active: { type: 'boolean' } },
  });
  return parseConfig(
    {
      server: { port },
      log: { level: 'warn' },
      applications: NAMES.map((name, i) => ({ name, contract: 'test', namespace: DEMO_NS, conflictPriority: i + 1, kinds: [accounts(i === ERP)] })),
    },
    {},
  );
}

describeEachDatabase('random histories converge with one table-backed endpoint (triangle)', (tdb) => {
  let server: RunningServer;
  let db: Db;
  let table = '';
  let endpoints: string[] = [];
  let runNo = 0;
  const client = () => new SDataClient({ run: { runName: `table convergence ${++runNo}`, runStamp: new Date().toISOString() }, retry: { attempts: 2, startingDelayMillis: 1, maxDelayMillis: 5 } });

  beforeAll(async () => {
    db = await tdb.open();
    const appSchema = tdb.kind === 'postgres' ? ((await db.raw('SELECT current_schema() AS s')).rows[0].s as string) : 'public';
    table = `"${appSchema}".accounts`;
    await db.raw(`CREATE TABLE ${table} (id serial PRIMARY KEY, name text NOT NULL, balance numeric, active boolean)`);
    const cfg = triangleConfig(await freePort(), appSchema, uniqueName('sdata'));
    await install(cfg, db);
    server = await startServer(cfg, { db });
    endpoints = NAMES.map((n) => `${server.url}/sdata/${n}/test/-/accounts`);
  });

  afterAll(async () => {
    await server?.close();
  });

  const rows = async (): Promise<{ id: number; name: string; balance: string | null; active: boolean | null }[]> =>
    (await db.raw(`SELECT id, name, balance::text AS balance, active FROM ${table} ORDER BY id`)).rows;

  async function run(op: Op): Promise<void> {
    switch (op.type) {
      case 'create':
        await create(endpoints[op.at], 'account', { name: `n${op.name}`, balance: `${op.name}.5` });
        return;
      case 'update': {
        const all = await readAll(endpoints[op.at]);
        if (all.length === 0) return;
        const r = all[op.pick % all.length];
        await update(endpoints[op.at], r.key, 'account', { ...r.values, name: `u${op.name}` });
        return;
      }
      case 'delete': {
        const all = await readAll(endpoints[op.at]);
        if (all.length > 0) await remove(endpoints[op.at], all[op.pick % all.length].key);
        return;
      }
      case 'sqlInsert':
        await db.raw(`INSERT INTO ${table} (name, balance, active) VALUES (?, ?, ?)`, [`s${op.name}`, op.name / 4, op.name % 2 === 0]);
        return;
      case 'sqlUpdate':
        await db.raw(`UPDATE ${table} SET name = ? WHERE id = (SELECT id FROM ${table} ORDER BY id OFFSET ? LIMIT 1)`, [`q${op.name}`, op.pick % Math.max(1, (await rows()).length)]);
        return;
      case 'sqlUpdateMany':
        await db.raw(`UPDATE ${table} SET active = NOT coalesce(active, false) WHERE id % 3 = ?`, [op.modulo]);
        return;
      case 'sqlDelete':
        await db.raw(`DELETE FROM ${table} WHERE id = (SELECT id FROM ${table} ORDER BY id OFFSET ? LIMIT 1)`, [op.pick % Math.max(1, (await rows()).length)]);
        return;
      case 'pass': {
        const [a, b] = EDGES[op.edge];
        const [s, t] = op.reverse ? [b, a] : [a, b];
        await runPass({ source: endpoints[s], target: endpoints[t], client: client(), pageSize: 3 });
      }
    }
  }

  /** Passes along every edge both ways until a whole round moves nothing. */
  async function settle(): Promise<void> {
    for (let round = 0; round < 8; round++) {
      let moved = 0;
      for (const [a, b] of EDGES) {
        for (const [s, t] of [
          [a, b],
          [b, a],
        ]) {
          moved += (await runPass({ source: endpoints[s], target: endpoints[t], client: client(), pageSize: 50 })).entries;
        }
      }
      if (moved === 0) return;
    }
    throw new Error('passes still move entries after 8 rounds');
  }

  it('every endpoint ends with the same data, and the table holds exactly the table-backed endpoint’s resources', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 25 }), async (ops) => {
        for (const op of ops) await run(op);
        await settle();
        const [crm, erp, web] = await Promise.all(endpoints.map(valuesByUuid));
        expect(Object.fromEntries(erp)).toEqual(Object.fromEntries(crm));
        expect(Object.fromEntries(web)).toEqual(Object.fromEntries(crm));
        // A nil value reads as an empty element (or none): null in the table.
        const orNull = (v: string | undefined) => (v === undefined || v === '' ? null : v);
        const asServed = (await readAll(endpoints[ERP])).map((r) => ({ id: Number(r.key), name: r.values.name, balance: orNull(r.values.balance), active: orNull(r.values.active) === null ? null : r.values.active === 'true' }));
        expect(asServed.sort((x, y) => x.id - y.id)).toEqual(await rows());
      }),
      { numRuns: RUNS },
    );
  });
});
