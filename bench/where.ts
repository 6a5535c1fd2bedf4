/**
 * `where` over 100,000 resources: a selective query answered over HTTP, with and without the index
 * README tells an operator to add, on PostgreSQL (DATABASE_URL) and on embedded PGlite.
 *
 *   npm run bench -- where [--n 100000] [--db pglite|postgres]
 *
 * The rows are made set-based by one INSERT ... SELECT generate_series (a benchmark fixture: the same
 * columns a local create writes, the endpoint's clock moved past them).
 */
import { parseConfig } from '../src/config/load';
import { demoConfig } from '../src/config/demo';
import type { Db } from '../src/store/db';
import { onBenchDatabase } from './support/databases';
import { numberOption } from './support/timing';
import { startServer } from '../src/endpoint/server';

const N = numberOption('n', 100_000);
const dbOption = process.argv.indexOf('--db');
const ONLY = dbOption > 0 ? process.argv[dbOption + 1] : undefined;
const RUNS = 15;

/** The indexes README gives, exactly. */
const INDEXES = [
  `CREATE INDEX resources_accounts_name ON resources (endpoint_id, ((payload->>'name') COLLATE "C"))`,
  `CREATE INDEX resources_accounts_balance ON resources (endpoint_id, (CAST(payload->>'balance' AS numeric)))`,
];

const QUERIES = [
  { where: `name eq 'Account ${Math.floor(N * 0.54321)}'`, expect: 1 },
  { where: `balance ge ${N - 9}`, expect: 10 },
  { where: `name eq 'Account 7' or name eq 'Account ${N - 7}'`, expect: 2 },
];

async function seed(db: Db, endpointId: number, url: string): Promise<void> {
  await db.raw(
    `INSERT INTO resources (endpoint_id, local_key, uuid, payload, deleted, etag, state_endpoint, state_tick, state_stamp)
     SELECT ?, i::text, gen_random_uuid(),
            jsonb_build_object('name', 'Account ' || i, 'email', 'a' || i || '@example.com', 'balance', (i::numeric)::text || '.25',
                               'active', i % 2 = 0, 'openedOn', to_char(DATE '2020-01-01' + (i % 1000), 'YYYY-MM-DD')),
            false, md5(i::text), ?, i, now()
     FROM generate_series(1, ?) AS i`,
    [endpointId, url, N],
  );
  await db('endpoints').where({ id: endpointId }).update({ clock: N, next_key: N + 1 });
  await db.raw('ANALYZE resources');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeQueries(feedUrl: string, label: string): Promise<void> {
  console.log(`  ${label}`);
  for (const q of QUERIES) {
    const times: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const t0 = performance.now();
      const res = await fetch(`${feedUrl}?where=${encodeURIComponent(q.where)}`);
      const text = await res.text();
      times.push(performance.now() - t0);
      const total = Number(/<opensearch:totalResults>(\d+)</.exec(text)?.[1]);
      if (res.status !== 200 || total !== q.expect) throw new Error(`${q.where}: ${res.status}, ${total} results, expected ${q.expect}: ${text.slice(0, 300)}`);
    }
    console.log(`    ${`${q.where} (${q.expect})`.padEnd(52)} median ${median(times).toFixed(1).padStart(7)} ms, best ${Math.min(...times).toFixed(1).padStart(7)} ms (${RUNS} requests)`);
  }
}

async function benchOn(name: string, db: Db): Promise<void> {
  const cfg = parseConfig({ ...demoConfig, server: { port: 0 }, log: { level: 'warn' } }, {});
  const server = await startServer(cfg, { db, port: 0 });
  const feedUrl = `${server.url}/sdata/crm/test/-/accounts`;
  try {
    const endpoint = await db('endpoints').where('url', 'like', '%/sdata/crm/test/-/accounts').first();
    const t0 = performance.now();
    await seed(db, endpoint.id, endpoint.url);
    console.log(`${name}: ${N} accounts made set-based in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await timeQueries(feedUrl, 'without an index on the property');
    const t1 = performance.now();
    for (const sql of INDEXES) await db.raw(sql);
    await db.raw('ANALYZE resources');
    console.log(`  indexes made in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    await timeQueries(feedUrl, 'with the indexes README gives');
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  console.log(`where over ${N} resources (node ${process.version}); median of ${RUNS} GETs of the filtered feed, whole HTTP round trip`);
  if (ONLY !== 'pglite') await onBenchDatabase('postgres', (db) => benchOn('PostgreSQL', db));
  if (ONLY !== 'postgres') await onBenchDatabase('pglite', (db) => benchOn('PGlite (in memory)', db));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
