/**
 * The cost of a partition's `$syncSource` page against an unpartitioned endpoint's (PROTOCOL.md 2.9): one
 * server holds `hq` accounts partitioned by country, FR and DE, `--n` accounts in each (created through the
 * kind URL in alternating order, so the rows of the two partitions lie side by side), and `flat` accounts,
 * the same kind unpartitioned, with `--n` accounts. An empty endpoint's digest is the floor: each request is a
 * first-pass page of `--page` entries, read from the FR partition and from `flat` in alternation, `--reps`
 * times each after three warm-up reads, over one keep-alive connection. Printed: the median and p95 ms per
 * page of each and the ratio of the medians (goal: at most 1.2). Each page is checked: `--page` entries, and
 * none of a German account in the partition's.
 *
 *   npm run bench -- partitionedSource [--n 10000] [--page 1000] [--reps 20] [--db pglite|postgres]
 */
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { parseConfig } from '../src/config/load';
import { startServer } from '../src/endpoint/server';
import type { DatabaseKind } from '../src/store/db';
import { onBenchDatabase } from './support/databases';

const { values: opts } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    page: { type: 'string', default: '1000' },
    reps: { type: 'string', default: '20' },
    db: { type: 'string', default: 'pglite' },
  },
  allowPositionals: true,
});
const N = Number(opts.n);
const PAGE = Number(opts.page);
const REPS = Number(opts.reps);
const WARM_UP = 3;
if (!(N >= PAGE && PAGE >= 1 && REPS >= 1)) throw new Error('--n must be at least --page, and --page and --reps at least 1');

const FR = "country eq 'FR'";
const DE = "country eq 'DE'";
const ENTRY_TYPE = 'application/atom+xml; type=entry';
const ACCOUNTS = { name: 'accounts', element: 'account', properties: { name: { type: 'string', required: true }, country: { type: 'string', required: true } } };

function config() {
  const app = (name: string, kind: object) => ({ name, contract: 'test', namespace: 'urn:example:countries', kinds: [kind] });
  return parseConfig(
    {
      server: { port: 0, bodyLimitBytes: 64 * 1024 * 1024 },
      sync: { pageSize: PAGE, maxPageSize: Math.max(PAGE, 5000), answerWithinMillis: 600_000 },
      log: { level: 'warn' },
      applications: [app('hq', { ...ACCOUNTS, partitions: [{ where: FR }, { where: DE }] }), app('flat', ACCOUNTS), app('empty', ACCOUNTS)],
    },
    {},
  );
}

const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

async function runCase(kind: DatabaseKind): Promise<void> {
  await onBenchDatabase(kind, async (db) => {
    const server = await startServer(config(), { db, port: 0 });
    const dispatcher = new Agent({ connections: 1 });
    const call = async (method: 'GET' | 'POST', url: string, body?: string, type?: string): Promise<string> => {
      const res = await request(url, { method, dispatcher, body, headers: type ? { 'content-type': type } : {} });
      const text = await res.body.text();
      if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${text.slice(0, 300)}`);
      return text;
    };
    const kindUrl = (app: string) => `${server.url}/sdata/${app}/test/-/accounts`;
    try {
      const seeded = performance.now();
      const seed = async (app: string, countries: string[]): Promise<void> => {
        const all = Array.from({ length: N }, (_, i) => countries.map((country) => ({ $httpMethod: 'POST', name: `Account ${i} ${country}`, country }))).flat();
        for (let at = 0; at < all.length; at += 1000) {
          const answer = await call('POST', `${kindUrl(app)}/$batch?format=json`, JSON.stringify({ $resources: all.slice(at, at + 1000) }), 'application/json');
          if (/"\$httpStatus":\s*[45]\d\d/.test(answer)) throw new Error(`$batch at ${app}: an entry was refused: ${answer.slice(0, 400)}`);
        }
      };
      await seed('hq', ['FR', 'DE']);
      await seed('flat', ['FR']);
      console.log(`[${kind}] seeded: hq ${N} FR + ${N} DE accounts, flat ${N}, in ${((performance.now() - seeded) / 1000).toFixed(1)} s; pages of ${PAGE}, ${REPS} reads each after ${WARM_UP} warm-up reads`);

      const floor = await call('GET', `${kindUrl('empty')}/$syncDigest`);
      const sources = {
        partition: `${kindUrl('hq')}/$syncSource?where=${encodeURIComponent(FR)}&count=${PAGE}`,
        unpartitioned: `${kindUrl('flat')}/$syncSource?count=${PAGE}`,
      };
      const times: Record<keyof typeof sources, number[]> = { partition: [], unpartitioned: [] };
      for (let rep = 0; rep < WARM_UP + REPS; rep++) {
        for (const which of Object.keys(sources) as (keyof typeof sources)[]) {
          const t0 = process.hrtime.bigint();
          const page = await call('POST', sources[which], floor, ENTRY_TYPE);
          const ms = Number(process.hrtime.bigint() - t0) / 1e6;
          if (rep >= WARM_UP) times[which].push(ms);
          const entries = page.match(/<entry[\s>]/g)?.length ?? 0;
          if (entries !== PAGE) throw new Error(`${which}: a page of ${entries} entries, not ${PAGE}`);
          if (which === 'partition' && page.includes('<country>DE</country>')) throw new Error('the FR partition served a German account');
        }
      }
      const median = (which: keyof typeof sources) => percentile(times[which], 0.5);
      for (const [which, label] of [['partition', `partition (FR of hq, ${N} + ${N} DE beside it)`], ['unpartitioned', `unpartitioned (flat, ${N})`]] as const) {
        console.log(`  ${label.padEnd(44)} median ${median(which).toFixed(1)} ms, p95 ${percentile(times[which], 0.95).toFixed(1)} ms per page`);
      }
      const ratio = median('partition') / median('unpartitioned');
      console.log(`  partition / unpartitioned: ${ratio.toFixed(2)}× (goal ≤ 1.2×: ${ratio <= 1.2 ? 'met' : 'not met'})`);
    } finally {
      await dispatcher.close();
      await server.close();
    }
  });
}

async function main(): Promise<void> {
  const kinds = opts.db.split(',') as DatabaseKind[];
  for (const k of kinds) if (k !== 'pglite' && k !== 'postgres') throw new Error(`--db: pglite or postgres (or both, comma-separated), not '${k}'`);
  console.log(`partitioned $syncSource page against an unpartitioned one (node ${process.version}): n=${N} per endpoint, page ${PAGE}`);
  for (const k of kinds) await runCase(k);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
