/**
 * Creates per second through the HTTP surface: single POSTs (one client, then 8 concurrent clients) and
 * $batch requests of 1,000 entries, on embedded PGlite and, when DATABASE_URL is set, on PostgreSQL.
 *
 *   npx tsx bench/creates.ts [singles=1000] [batches=10]
 */
import { parseConfig } from '../src/config/load';
import { demoConfig } from '../src/config/demo';
import type { Db } from '../src/store/db';
import { onBenchDatabase } from './support/databases';
import { startServer } from '../src/endpoint/server';
import { NS } from '../src/atom/namespaces';

const SINGLES = Number(process.argv[2] ?? 1000);
const BATCHES = Number(process.argv[3] ?? 10);
const BATCH_SIZE = 1000;
const CLIENTS = 8;

function payload(i: number): string {
  return `<account xmlns="${NS.dynamic}"><name>Account ${i}</name><email>a${i}@example.com</email><balance>${i}.25</balance><active>true</active><openedOn>2024-05-01</openedOn></account>`;
}

function entry(i: number): string {
  return `<entry xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}"><sdata:payload>${payload(i)}</sdata:payload></entry>`;
}

function batch(from: number): string {
  const entries = Array.from(
    { length: BATCH_SIZE },
    (_, i) => `<entry><http:httpMethod>POST</http:httpMethod><sdata:payload>${payload(from + i)}</sdata:payload></entry>`,
  ).join('');
  return `<feed xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}" xmlns:http="${NS.http}">${entries}</feed>`;
}

async function post(url: string, body: string, contentType: string): Promise<void> {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': contentType } });
  const text = await res.text();
  if (res.status !== 201 && res.status !== 200) throw new Error(`POST ${url}: ${res.status} ${text.slice(0, 300)}`);
  if (contentType.includes('feed') && /<http:httpStatus>(?!201)/.test(text)) throw new Error(`a batch entry failed: ${text.slice(0, 300)}`);
}

async function timed(label: string, creates: number, work: () => Promise<void>): Promise<void> {
  const t0 = performance.now();
  await work();
  const seconds = (performance.now() - t0) / 1000;
  console.log(`  ${label.padEnd(34)} ${String(creates).padStart(6)} creates in ${seconds.toFixed(2).padStart(6)} s = ${Math.round(creates / seconds).toString().padStart(6)} creates/s`);
}

async function benchOn(name: string, db: Db): Promise<void> {
  const cfg = parseConfig({ ...demoConfig, server: { port: 0, bodyLimitBytes: 20 * 1024 * 1024 }, log: { level: 'warn' } }, {});
  const server = await startServer(cfg, { db, port: 0 });
  const url = `${server.url}/sdata/crm/test/-/accounts`;
  console.log(`${name}:`);
  try {
    let n = 0;
    await timed('single POST, 1 client', SINGLES, async () => {
      for (let i = 0; i < SINGLES; i++) await post(url, entry(n++), 'application/atom+xml;type=entry');
    });
    await timed(`single POST, ${CLIENTS} clients`, SINGLES, async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (next < SINGLES) {
            next += 1;
            await post(url, entry(n++), 'application/atom+xml;type=entry');
          }
        }),
      );
    });
    await timed(`$batch of ${BATCH_SIZE}, 1 client`, BATCHES * BATCH_SIZE, async () => {
      for (let b = 0; b < BATCHES; b++) {
        await post(`${url}/$batch`, batch(n), 'application/atom+xml;type=feed');
        n += BATCH_SIZE;
      }
    });
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  console.log(`creates per second (node ${process.version}); ${SINGLES} single POSTs per run, ${BATCHES} batches of ${BATCH_SIZE}`);
  await onBenchDatabase('pglite', (db) => benchOn('PGlite (in memory)', db));
  await onBenchDatabase('postgres', (db) => benchOn('PostgreSQL', db));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
