/**
 * The routes view of the logger (dashboard, alert rules): the latest run of every route and the end of its
 * last done run, over a long run history, with and without the indexes of migration 010.
 *
 *   npm run bench -- dashboardRoutes [--n 100000] [--routes 50] [--db pglite|postgres]
 *
 * The run records are made set-based by one INSERT ... SELECT generate_series (a fixture: the columns a
 * result post writes), a tenth of them failed.
 */
import type { Db } from '../src/store/db';
import { MAX_ROUTES } from '../src/logger/monitor';
import { latestRunPerRoute } from '../src/logger/store';
import { onBenchDatabase } from './support/databases';
import { numberOption } from './support/timing';

const N = numberOption('n', 100_000);
const ROUTES = numberOption('routes', 50);
const dbOption = process.argv.indexOf('--db');
const ONLY = dbOption > 0 ? process.argv[dbOption + 1] : undefined;
const RUNS = 15;

async function seed(db: Db): Promise<void> {
  await db.raw(
    `INSERT INTO log_runs (run_name, run_stamp, source, target, kind, state, started_at, last_received_at, posts, pages, entries_read, created)
     SELECT 'r', i::text, 'http://s' || (i % ?) || '/sdata/a/test/-/accounts', 'http://t' || (i % ?) || '/sdata/b/test/-/accounts', 'accounts',
            CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'done' END,
            TIMESTAMPTZ '2026-01-01' + i * INTERVAL '1 second', TIMESTAMPTZ '2026-01-01' + i * INTERVAL '1 second' + INTERVAL '1 second', 1, 1, 10, 10
     FROM generate_series(1, ?) AS i`,
    [ROUTES, ROUTES, N],
  );
  await db.raw('ANALYZE log_runs');
}

async function medianMillis(work: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 3; i++) await work();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await work();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

async function bench(label: string, db: Db): Promise<void> {
  await seed(db);
  const routes = await latestRunPerRoute(db, MAX_ROUTES);
  if (routes.length !== ROUTES) throw new Error(`expected ${ROUTES} routes, got ${routes.length}`);
  const indexed = await medianMillis(() => latestRunPerRoute(db, MAX_ROUTES));
  await db.raw('DROP INDEX log_runs_route_latest');
  await db.raw('DROP INDEX log_runs_route_done');
  const bare = await medianMillis(() => latestRunPerRoute(db, MAX_ROUTES));
  console.log(`${label}: ${N} runs over ${ROUTES} routes: latest run per route ${indexed.toFixed(1)} ms with the indexes of migration 010, ${bare.toFixed(1)} ms without (median of ${RUNS})`);
}

async function main(): Promise<void> {
  for (const kind of ['pglite', 'postgres'] as const) {
    if (ONLY && ONLY !== kind) continue;
    await onBenchDatabase(kind, (db) => bench(kind === 'pglite' ? 'PGlite' : 'PostgreSQL', db));
  }
}

void main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
