/**
 * Cost of change capture to the application: its own INSERT and UPDATE rate on a table without the capture
 * triggers and on the same table with them (`adapter install`), single-row statements (each its own
 * transaction, as an application commits them) and batched statements, on PostgreSQL (DATABASE_URL).
 * Prints rows/s of both and the cost ratio per row (the goal: under 2x). Each workload runs `--rounds`
 * times, without and with capture in turn, and the best round of each side counts: on a shared machine the
 * best round is the one least disturbed by other work.
 *
 * Then the fold: what the capture logged during all rounds is folded into the sync states at once (what
 * a server does before it reads the endpoint), and its rate is printed in changes and in rows per second.
 *
 *   npm run bench -- adapter [--singles 2000] [--batches 20] [--batch-size 1000] [--rounds 3]
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { parseConfig } from '../src/config/load';
import { installStore } from '../src/store/tableBacked/install';
import { openTableStores } from '../src/store/tableBacked/stores';
import { FOLD_FUNCTION } from '../src/store/tableBacked/foldSql';
import { numberOption } from './support/timing';

const SINGLES = numberOption('singles', 2000);
const BATCHES = numberOption('batches', 20);
const BATCH_SIZE = numberOption('batch-size', 1000);
const ROUNDS = numberOption('rounds', 3);
const ACCOUNTS = 100;

async function createTables(c: pg.Client, schema: string): Promise<void> {
  await c.query(`CREATE SCHEMA "${schema}"`);
  await c.query(`CREATE TABLE "${schema}".accounts (id serial PRIMARY KEY, name text NOT NULL)`);
  await c.query(`CREATE TABLE "${schema}".customers (id bigserial PRIMARY KEY, full_name text NOT NULL, email text, account_id int REFERENCES "${schema}".accounts (id), visits int NOT NULL DEFAULT 0, seen timestamptz)`);
  await c.query(`INSERT INTO "${schema}".accounts (name) SELECT 'account ' || g FROM generate_series(1, ${ACCOUNTS}) g`);
}

function config(url: string, schema: string, adapterSchema: string) {
  const table = (name: string) => ({ connection: url, schema, name, key: 'id', adapterSchema });
  return parseConfig(
    {
      server: { publicBaseUrl: 'http://bench.test' },
      applications: [
        {
          name: 'erp',
          contract: 'bench',
          namespace: 'urn:bench',
          kinds: [
            { name: 'accounts', element: 'account', table: table('accounts'), properties: { name: { type: 'string' } } },
            {
              name: 'customers',
              element: 'customer',
              table: table('customers'),
              properties: {
                name: { type: 'string', column: 'full_name' },
                email: { type: 'string' },
                account: { type: 'reference', kind: 'accounts', column: 'account_id' },
                visits: { type: 'integer' },
                seen: { type: 'datetime' },
              },
            },
          ],
        },
      ],
    },
    {},
  );
}

interface Workload {
  label: string;
  rows: number;
  run(c: pg.Client, table: string): Promise<void>;
}

const workloads: Workload[] = [
  {
    label: 'INSERT, 1 row per statement',
    rows: SINGLES,
    run: async (c, t) => {
      for (let i = 0; i < SINGLES; i++) await c.query(`INSERT INTO ${t} (full_name, email, account_id, seen) VALUES ($1, $2, $3, now())`, [`c${i}`, `c${i}@x`, 1 + (i % ACCOUNTS)]);
    },
  },
  {
    label: 'UPDATE, 1 row per statement',
    rows: SINGLES,
    run: async (c, t) => {
      for (let i = 0; i < SINGLES; i++) await c.query(`UPDATE ${t} SET visits = visits + 1 WHERE id = $1`, [1 + i]);
    },
  },
  {
    label: `INSERT, ${BATCH_SIZE} rows per statement`,
    rows: BATCHES * BATCH_SIZE,
    run: async (c, t) => {
      for (let b = 0; b < BATCHES; b++) {
        await c.query(`INSERT INTO ${t} (full_name, email, account_id, seen) SELECT 'b' || g, 'b' || g || '@x', 1 + g % ${ACCOUNTS}, now() FROM generate_series(1, ${BATCH_SIZE}) g`);
      }
    },
  },
  {
    label: `UPDATE, ${BATCH_SIZE} rows per statement`,
    rows: BATCHES * BATCH_SIZE,
    run: async (c, t) => {
      for (let b = 0; b < BATCHES; b++) await c.query(`UPDATE ${t} SET visits = visits + 1, email = email || '.' WHERE id > $1 AND id <= $2`, [b * BATCH_SIZE, (b + 1) * BATCH_SIZE]);
    },
  },
];

async function rowsPerSecond(c: pg.Client, table: string, w: Workload): Promise<number> {
  const t0 = performance.now();
  await w.run(c, table);
  return w.rows / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.log('PostgreSQL: skipped (DATABASE_URL is not set)');
    return;
  }
  const tag = randomUUID().replace(/-/g, '').slice(0, 10);
  const plain = `bench_plain_${tag}`;
  const captured = `bench_app_${tag}`;
  const adapterSchema = `bench_ad_${tag}`;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await createTables(c, plain);
    await createTables(c, captured);
    const stores = await openTableStores(config(url, captured, adapterSchema));
    try {
      for (const store of stores.stores) await installStore(store);
    } finally {
      await stores.close();
    }
    console.log(`PostgreSQL, one client; rows/s without capture, with capture (best of ${ROUNDS} rounds), and the cost per row with/without:`);
    for (const w of workloads) {
      let without = 0;
      let withCapture = 0;
      for (let round = 0; round < ROUNDS; round++) {
        // The same work on both tables, without capture first, so both see the same table sizes.
        without = Math.max(without, await rowsPerSecond(c, `"${plain}".customers`, w));
        withCapture = Math.max(withCapture, await rowsPerSecond(c, `"${captured}".customers`, w));
      }
      console.log(`  ${w.label.padEnd(34)} ${String(w.rows).padStart(6)} rows: ${Math.round(without).toString().padStart(7)} rows/s without, ${Math.round(withCapture).toString().padStart(7)} rows/s with: ${(without / withCapture).toFixed(2)}x per row`);
    }
    const { rows } = await c.query(`SELECT clock - 1 AS ticks FROM "${adapterSchema}".endpoints WHERE url LIKE '%/customers'`);
    console.log(`  ticks given out to customers: ${rows[0].ticks} (one per changed row)`);
    const log = await c.query(`SELECT count(*)::int AS statements, COALESCE(sum(cardinality(keys)), 0)::int AS changes FROM "${adapterSchema}".captured_changes`);
    const t0 = performance.now();
    await c.query(`SELECT "${adapterSchema}"."${FOLD_FUNCTION}"()`);
    const seconds = (performance.now() - t0) / 1000;
    const folded = await c.query(`SELECT count(*)::int AS rows FROM "${adapterSchema}".resources r JOIN "${adapterSchema}".endpoints e ON e.id = r.endpoint_id WHERE e.url LIKE '%/customers'`);
    const { statements, changes } = log.rows[0];
    console.log(
      `  fold: ${changes} logged changes of ${statements} statements into ${folded.rows[0].rows} sync states in ${(seconds * 1000).toFixed(0)} ms: ` +
        `${Math.round(changes / seconds)} changes/s, ${Math.round(folded.rows[0].rows / seconds)} rows/s`,
    );
  } finally {
    for (const s of [plain, captured, adapterSchema]) await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    await c.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
