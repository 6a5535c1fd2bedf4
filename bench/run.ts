/**
 * `npm run bench [-- name ...] [-- options]`: runs the benchmarks, each as its own process, in turn
 * (default: every one but `peer`, which runs the catchup and immediate benchmarks again beside PouchDB and
 * takes as long as both: it runs when named). Options after the names go to each benchmark, e.g.
 * `npm run bench -- catchup --n 10000 --db pglite`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const BENCHMARKS = ['creates', 'catchup', 'cliStart', 'page', 'where', 'hostileXml', 'immediate', 'changeFiles', 'adapter', 'tableApply', 'dashboardRoutes', 'httpMetrics', 'linking', 'scopeCheck', 'partitionedSource', 'peer'];
/** Run only when named. */
const ON_REQUEST = ['peer'];

const args = process.argv.slice(2);
const names = args.filter((a) => BENCHMARKS.includes(a));
const options = args.filter((a) => !BENCHMARKS.includes(a));
let failed = 0;
for (const name of names.length ? names : BENCHMARKS.filter((b) => !ON_REQUEST.includes(b))) {
  const file = join(__dirname, `${name}.ts`);
  if (!existsSync(file)) {
    process.stdout.write(`\n== ${name}: ${file} is missing, skipped\n`);
    continue;
  }
  process.stdout.write(`\n== ${name}\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', file, ...options], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed += 1;
    process.stdout.write(`== ${name} failed (exit ${r.status ?? r.signal})\n`);
  }
}
process.exitCode = failed ? 1 : 0;
