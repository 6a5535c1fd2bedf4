/**
 * What writing the application's table costs a sync target: one server (in this process) with crm holding N
 * accounts in sdata-sync's own tables, web a plain target and erp a table-backed target (its accounts are
 * the rows of an application table in the server's database, capture installed). The same catch-up pass
 * crm->web and crm->erp, then one UPDATE of every row of crm changed through $batch and the incremental
 * passes again. Prints entries/s of each and the ratio table-backed / plain per entry.
 *
 *   npm run bench -- tableApply [--n 10000] [--db pglite,postgres] [--page-size 1000]
 */
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/load';
import { demoAccountsKind } from '../src/config/demo';
import { startServer } from '../src/endpoint/server';
import { SDataClient } from '../src/engine/sdataClient';
import { runPass } from '../src/engine/pass';
import type { DatabaseKind } from '../src/store/db';
import { installStore } from '../src/store/tableBacked/install';
import { openTableStores } from '../src/store/tableBacked/stores';
import { freePort } from '../test/e2e/support/processes';
import { onBenchDatabase } from './support/databases';

const { values } = parseArgs({ options: { n: { type: 'string', default: '10000' }, db: { type: 'string', default: 'pglite,postgres' }, 'page-size': { type: 'string', default: '1000' } }, strict: false });
const N = Number(values.n);
const PAGE = Number(values['page-size']);
const NS = { atom: 'http://www.w3.org/2005/Atom', sdata: 'http://schemas.sage.com/sdata/2008/1', http: 'http://schemas.sage.com/sdata/http/2008/1', demo: 'urn:sdata-sync:demo' };

function batchFeed(items: { key: string; i: number; version: number; put?: string }[]): string {
  const entries = items
    .map(
      (it) =>
        `<entry>${it.put ? `<id>${it.put}</id>` : ''}<http:httpMethod>${it.put ? 'PUT' : 'POST'}</http:httpMethod><sdata:payload><account xmlns="${NS.demo}" sdata:key="${it.key}">` +
        `<name>Account ${it.i} v${it.version}</name><email>a${it.i}.v${it.version}@example.test</email><balance>${(it.i * 13.37 + it.version).toFixed(2)}</balance>` +
        `<active>${it.i % 2 === 0}</active><openedOn>2024-0${(it.i % 9) + 1}-1${it.i % 10}</openedOn></account></sdata:payload></entry>`,
    )
    .join('');
  return `<feed xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}" xmlns:http="${NS.http}">${entries}</feed>`;
}

async function post(url: string, body: string): Promise<void> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/atom+xml;type=feed' }, body });
  if (r.status >= 300) throw new Error(`${url}: ${r.status} ${(await r.text()).slice(0, 300)}`);
}

async function benchOn(kind: DatabaseKind): Promise<void> {
  await onBenchDatabase(kind, async (db) => {
    const schema = kind === 'postgres' ? ((await db.raw('SELECT current_schema() AS s')).rows[0].s as string) : 'public';
    await db.raw(`CREATE TABLE "${schema}".accounts (id serial PRIMARY KEY, name text NOT NULL, email text, balance numeric, active boolean, opened_on date)`);
    const accounts = demoAccountsKind() as { properties: Record<string, { column?: string }> };
    const erpAccounts = { ...structuredClone(accounts), table: { schema, name: 'accounts', key: 'id', adapterSchema: `${schema}_sdata` } };
    erpAccounts.properties.openedOn.column = 'opened_on';
    const app = (name: string, priority: number, kinds: unknown[]) => ({ name, contract: 'test', namespace: NS.demo, conflictPriority: priority, kinds });
    const cfg = parseConfig(
      { server: { port: await freePort() }, log: { level: 'warn' }, sync: { pageSize: PAGE, maxPageSize: 5000, answerWithinMillis: 60_000 }, applications: [app('crm', 1, [accounts]), app('web', 2, [accounts]), app('erp', 3, [erpAccounts])] },
      {},
    );
    const stores = await openTableStores(cfg, db);
    for (const s of stores.stores) await installStore(s);
    await stores.close();
    const server = await startServer(cfg, { db });
    const ep = (a: string) => `${server.url}/sdata/${a}/test/-/accounts`;
    try {
      for (let i = 0; i < N; i += 1000) await post(`${ep('crm')}/$batch`, batchFeed(Array.from({ length: Math.min(1000, N - i) }, (_, k) => ({ key: String(i + k + 1), i: i + k + 1, version: 1 }))));
      const timed = async (target: string) => {
        const started = performance.now();
        const s = await runPass({ source: ep('crm'), target: ep(target), pageSize: PAGE, client: new SDataClient({ run: { runName: `bench ${target}`, runStamp: new Date().toISOString() } }) });
        const seconds = (performance.now() - started) / 1000;
        if (s.failures > 0 || s.entries !== N) throw new Error(`${target}: ${JSON.stringify(s)}`);
        return { seconds, rate: N / seconds };
      };
      const report = (what: string, plain: { seconds: number; rate: number }, table: { seconds: number; rate: number }) =>
        console.log(
          `${kind.padEnd(8)} ${what.padEnd(12)} plain ${Math.round(plain.rate).toString().padStart(7)} entries/s (${plain.seconds.toFixed(2)} s)   table-backed ${Math.round(table.rate).toString().padStart(7)} entries/s (${table.seconds.toFixed(2)} s)   cost per entry x${(plain.rate / table.rate).toFixed(2)}`,
        );
      report('first pass', await timed('web'), await timed('erp'));
      for (let i = 0; i < N; i += 1000) {
        await post(`${ep('crm')}/$batch`, batchFeed(Array.from({ length: Math.min(1000, N - i) }, (_, k) => ({ key: String(i + k + 1), i: i + k + 1, version: 2, put: `${ep('crm')}('${i + k + 1}')` }))));
      }
      report('updates', await timed('web'), await timed('erp'));
      const { rows } = await db.raw(`SELECT count(*)::int AS n FROM "${schema}".accounts WHERE name LIKE '% v2'`);
      if (rows[0].n !== N) throw new Error(`the application table holds ${rows[0].n} updated rows, not ${N}`);
    } finally {
      await server.close();
    }
  });
}

async function main(): Promise<void> {
  console.log(`applying ${N} accounts (pages of ${PAGE}) at a plain target and at a table-backed one`);
  for (const kind of String(values.db).split(',') as DatabaseKind[]) await benchOn(kind);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
