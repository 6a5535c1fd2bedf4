/**
 * One sync page, both sides, on PGlite and PostgreSQL: a source endpoint (crm accounts) is seeded with N
 * resources through $batch, then for a page of P entries (default 1,000) each step below is timed over
 * --reps repetitions (median and p95) after a first, cold run reported on its own:
 *
 *   source  select      readDigest (ceiling) + countSelection + readSelection (keyset page of P + 1)
 *           serialise   the page's entries (payloadNode, knowledgeToSend) + buildSyncFeed
 *           total       both, the work of `$syncSource` POST without saving its context
 *           HTTP        POST $syncSource?count=P end to end (the real handler: context saved, page written)
 *   target  parse       parseSyncFeed (XML tree + every entry's sync metadata)
 *           parse + decode  parseSyncFeed with decodeSyncEntry (every payload read against the kind as it is read)
 *           plan        planPage alone, no I/O (what applyPage computes between its reads and writes)
 *           apply new   applyPage of P creates into an empty target (a fresh target endpoint each run)
 *           HTTP new    POST $syncTarget of the same page into another fresh target (parse, decode, apply,
 *                       result feed and context, end to end)
 *           apply upd   applyPage of P updates to resources the target holds (the source changed them
 *                       through $batch PUT between runs; the page is selected from the target's digest)
 *           HTTP upd    POST $syncTarget of such an update page
 *
 * HTTP overhead is the HTTP row minus the matching direct rows (source total; parse + decode + apply).
 *
 * Applying is set-based (src/store/syncApply.ts and the store functions it calls, read for this bench):
 * one transaction whose statements do not grow with the page, apart from chunks of 500 rows:
 *   SELECT endpoints … FOR UPDATE (clock lock) · SELECT endpoints + SELECT digest_entries (the digest) ·
 *   SELECT open failures (retry) · SELECT resources WHERE uuid IN (…), one per 500 UUIDs ·
 *   for new resources: UPDATE endpoints SET next_key … RETURNING + SELECT taken keys IN (…) ·
 *   INSERT INTO resources … ON CONFLICT DO UPDATE, one per 500 rows · INSERT conflicts / failures, one per
 *   500 rows, only when there are any · INSERT INTO digest_entries … ON CONFLICT DO UPDATE (all entries) ·
 *   UPDATE endpoints clock, only when conflicts took ticks.
 * For 1,000 entries: 11 statements between BEGIN and COMMIT for creates, 9 for updates. The only
 * per-entry statement is settleFailure, for quarantined entries retried with a page (at most 100 per
 * page; none here). The bench records the statements knex issues during one apply and prints them.
 *
 *   npm run bench -- page [--db pglite|postgres|both] [--n 1000] [--page 1000] [--reps 10] [--show-sql]
 *   node --import tsx bench/page.ts --db both --n 1000 --reps 10
 *
 * PostgreSQL is reached through DATABASE_URL (or --database-url), in a schema of its own dropped at the end.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Knex } from 'knex';
import { NS } from '../src/atom/namespaces';
import { payloadNode } from '../src/atom/payloadWrite';
import type { ResourceValues } from '../src/protocol/propertyValues';
import { keyUrl } from '../src/atom/resourceXml';
import { buildSyncFeed, parseSyncFeed, type SyncFeedEntryOut } from '../src/atom/syncFeed';
import { parseConfig } from '../src/config/load';
import { startServer, type RunningServer } from '../src/endpoint/server';
import { decodeSyncEntry } from '../src/atom/decodeEntries';
import { knowledgeToSend } from '../src/protocol/knowledge';
import { planPage, type DecodedEntry, type SyncPage } from '../src/protocol/pagePlan';
import { selectionRanges } from '../src/protocol/selection';
import type { Digest } from '../src/protocol/types';
import { closeDatabase, openDatabase, type Db, type DatabaseKind } from '../src/store/db';
import { readDigest } from '../src/store/digests';
import type { RegisteredEndpoint } from '../src/store/endpoints';
import { applyPage, type AppliedPage } from '../src/store/syncApply';
import { countSelection, readSelection, type SelectionKey } from '../src/store/syncSelection';
import { stateOf } from '../src/store/versions';
import { demoAccountsKind } from '../src/config/demo';

const { values: opts } = parseArgs({
  options: {
    db: { type: 'string' },
    n: { type: 'string', default: '1000' },
    page: { type: 'string', default: '1000' },
    reps: { type: 'string', default: '10' },
    'database-url': { type: 'string' },
    'show-sql': { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
const N = Number(opts.n);
const PAGE = Number(opts.page);
const REPS = Number(opts.reps);
const DATABASE_URL = opts['database-url'] ?? process.env.DATABASE_URL;
if (!(N >= PAGE && PAGE >= 1 && REPS >= 1)) throw new Error('--n must be at least --page, and --page and --reps at least 1');

const DEMO_NS = 'urn:sdata-sync:demo';
const ACCOUNTS = demoAccountsKind();
/** Fresh targets: one per run of "apply new" and of "HTTP new" (cold run included), one each for updates. */
const FRESH = REPS + 1;
const TARGETS = [...Array.from({ length: FRESH }, (_, i) => `new${i}`), ...Array.from({ length: FRESH }, (_, i) => `http${i}`), 'upd', 'httpupd'];

function config() {
  const app = (name: string, dataset: string, priority: number, keys: unknown) => ({ name, contract: 'test', namespace: DEMO_NS, dataset, conflictPriority: priority, keys, kinds: [ACCOUNTS] });
  return parseConfig(
    {
      server: { port: 0, bodyLimitBytes: 256 * 1024 * 1024 },
      sync: { pageSize: PAGE, maxPageSize: Math.max(PAGE, 5000), answerWithinMillis: 600_000 },
      log: { level: 'warn' },
      applications: [app('crm', '-', 1, { style: 'numeric' }), ...TARGETS.map((d) => app('erp', d, 2, { style: 'prefixed', prefix: 'A', width: 7 }))],
    },
    {},
  );
}

// ---- HTTP ----------------------------------------------------------------------------------------------

const ENTRY_TYPE = 'application/atom+xml; type=entry';
const FEED_TYPE = 'application/atom+xml; type=feed';

async function http(method: string, url: string, body?: string, type?: string): Promise<{ status: number; text: string; location: string | null }> {
  const res = await fetch(url, { method, body, headers: type ? { 'content-type': type } : undefined });
  const text = await res.text();
  return { status: res.status, text, location: res.headers.get('location') };
}

function accountXml(i: number, version: number): string {
  return (
    `<account xmlns="${DEMO_NS}"><name>Account ${i} v${version} &amp; Co</name><email>account${i}.v${version}@example.test</email>` +
    `<balance>${(i * 13.37 + version).toFixed(2)}</balance><active>${i % 2 === 0}</active><openedOn>2024-0${(i % 9) + 1}-1${i % 10}</openedOn></account>`
  );
}

/** POSTs (creates) or PUTs (updates of keys 1..) accounts `from .. to` through $batch, 1,000 per request. */
async function batchWrite(endpoint: string, from: number, to: number, method: 'POST' | 'PUT', version: number): Promise<void> {
  for (let start = from; start <= to; start += 1000) {
    const entries: string[] = [];
    for (let i = start; i <= Math.min(to, start + 999); i++) {
      const id = method === 'PUT' ? `<id>${endpoint}('${i}')</id>` : '';
      entries.push(`<entry>${id}<http:httpMethod>${method}</http:httpMethod><sdata:payload>${accountXml(i, version)}</sdata:payload></entry>`);
    }
    const body = `<feed xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}" xmlns:http="${NS.http}">${entries.join('')}</feed>`;
    const r = await http('POST', `${endpoint}/$batch`, body, FEED_TYPE);
    if (r.status !== 200) throw new Error(`$batch: ${r.status} ${r.text.slice(0, 400)}`);
    const failed = /<http:httpStatus>([45]\d\d)<\/http:httpStatus>/.exec(r.text);
    if (failed) throw new Error(`$batch: an entry answered ${failed[1]}: ${r.text.slice(0, 600)}`);
  }
}

// ---- The source side, as `$syncSource` does it ----------------------------------------------------------

interface SourcePage {
  xml: string;
  entries: number;
  next: SelectionKey | null;
  selectMs: number;
  serialiseMs: number;
}

/**
 * A page of the selection (floor: the target's digest) after `after`, built as postSyncSource / sendPage
 * build it, without saving the selection's context.
 */
async function sourcePage(db: Db, ep: RegisteredEndpoint, floor: Digest, after: SelectionKey | null, count: number, startIndex = 1): Promise<SourcePage> {
  const t0 = performance.now();
  const ceiling = await readDigest(db, ep.id, ep.url);
  const ranges = selectionRanges(ceiling, floor);
  const total = await countSelection(db, ep.id, ranges);
  const rows = await readSelection(db, ep.id, ranges, after, count + 1);
  const t1 = performance.now();
  const hasMore = rows.length > count;
  const page = hasMore ? rows.slice(0, count) : rows;
  const last = page[page.length - 1];
  const self = `${ep.url}/$syncSource('${randomUUID()}')`;
  const link = (s: number) => `${self}?startIndex=${s}&count=${count}`;
  const entries: SyncFeedEntryOut[] = page.map((r) => {
    const entryUrl = keyUrl(ep.url, r.local_key);
    return {
      id: entryUrl,
      updated: new Date(r.state_stamp).toISOString(),
      uuid: r.uuid,
      state: stateOf(r),
      knowledge: knowledgeToSend(r.knowledge ?? undefined, ceiling),
      deleted: r.deleted,
      etag: r.etag,
      payload: payloadNode({ key: r.local_key, uuid: r.uuid, url: entryUrl, values: r.payload as ResourceValues, deleted: r.deleted }, ep.def.kind, ep.def.app),
    };
  });
  const xml = buildSyncFeed({
    id: self,
    title: `Sync feed of ${ep.url}`,
    updated: new Date().toISOString(),
    mode: 'catchUp',
    ceiling,
    floor,
    links: [
      { rel: 'self', href: link(startIndex) },
      { rel: 'first', href: link(1) },
      ...(startIndex > 1 ? [{ rel: 'previous', href: link(Math.max(1, startIndex - count)) }] : []),
      ...(hasMore ? [{ rel: 'next', href: link(startIndex + count) }] : []),
    ],
    totalResults: total,
    startIndex,
    itemsPerPage: count,
    entries,
  });
  const t2 = performance.now();
  return { xml, entries: page.length, next: hasMore ? [last.state_endpoint, Number(last.state_tick)] : null, selectMs: t1 - t0, serialiseMs: t2 - t1 };
}

// ---- The target side, as `$syncTarget` does it ----------------------------------------------------------

function decodedPage(xml: string, target: RegisteredEndpoint): { feed: ReturnType<typeof parseSyncFeed>; entries: DecodedEntry[]; parseMs: number; parseDecodeMs: number } {
  // Parsed alone, then parsed with each entry decoded as it is read (what $syncTarget does).
  const t0 = performance.now();
  parseSyncFeed(xml);
  const t1 = performance.now();
  const feed = parseSyncFeed(xml, (e) => decodeSyncEntry(e, target.def));
  const t2 = performance.now();
  return { feed, entries: feed.entries, parseMs: t1 - t0, parseDecodeMs: t2 - t1 };
}

type DecodedPage = ReturnType<typeof decodedPage>;

/** The page a target applies, from the parsed feed (as `$syncTarget` decodes it). */
function pageOf(feed: DecodedPage['feed'], entries: DecodedEntry[]): SyncPage {
  return { mode: feed.mode ?? 'catchUp', ceiling: feed.ceiling!, floor: feed.floor, isLastPage: !feed.next, entries };
}

/** applyPage as postSyncTarget calls it, in a transaction of its own (without the result feed and context it stores alongside). */
function applyDecoded(db: Db, target: RegisteredEndpoint, { feed, entries }: DecodedPage): Promise<AppliedPage> {
  return db.transaction((trx) => applyPage(trx, target, pageOf(feed, entries), { retry: 'open' }));
}

function outcomes(applied: AppliedPage): string {
  const counts = new Map<string, number>();
  for (const p of applied.plan.entries) {
    const k = p.outcome.kind === 'applied' || p.outcome.kind === 'conflict' ? `${p.outcome.kind} ${p.outcome.method}` : p.outcome.kind;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
}

// ---- Statements issued ----------------------------------------------------------------------------------

/** Records the SQL knex issues while `work` runs. */
async function statementsOf<T>(db: Db, work: () => Promise<T>): Promise<{ result: T; sql: string[] }> {
  const sql: string[] = [];
  const listener = (q: Knex.Sql) => sql.push(q.sql);
  db.on('query', listener);
  try {
    return { result: await work(), sql };
  } finally {
    db.off('query', listener);
  }
}

/** `insert into "resources" … on conflict … merge` → a short label of what a statement does. */
function statementLabel(sql: string): string {
  const s = sql.replace(/\s+/g, ' ').replace(/;$/, '').trim().toLowerCase();
  if (!s.includes(' ')) return s;
  const table = /(?:from|into|update) "?(\w+)"?/.exec(s)?.[1] ?? '?';
  const verb = s.split(' ')[0];
  const extras = [s.includes('on conflict') && 'on conflict', s.includes('for update') && 'for update', s.includes(' in (') && 'in (…)', s.includes('returning') && 'returning'].filter(Boolean);
  return `${verb} ${table}${extras.length ? ` (${extras.join(', ')})` : ''}`;
}

function summarise(sql: string[]): string {
  const counts = new Map<string, number>();
  for (const s of sql) counts.set(statementLabel(s), (counts.get(statementLabel(s)) ?? 0) + 1);
  return [...counts].map(([k, n]) => (n > 1 ? `${n}× ${k}` : k)).join('; ');
}

// ---- Figures --------------------------------------------------------------------------------------------

class Timings {
  readonly rows = new Map<string, number[]>();
  add(step: string, ms: number): void {
    const list = this.rows.get(step) ?? [];
    list.push(ms);
    this.rows.set(step, list);
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

function printTable(title: string, t: Timings): void {
  const w = Math.max(...[...t.rows.keys()].map((k) => k.length));
  process.stdout.write(`${title}\n`);
  process.stdout.write(`  ${'step'.padEnd(w)}    cold ms  median ms     p95 ms   entries/s (median)\n`);
  for (const [step, list] of t.rows) {
    const [cold, ...warm] = list;
    const sorted = [...warm].sort((a, b) => a - b);
    const med = sorted.length ? percentile(sorted, 0.5) : cold;
    const p95 = sorted.length ? percentile(sorted, 0.95) : cold;
    const rate = Math.round((PAGE / med) * 1000).toLocaleString('en');
    process.stdout.write(`  ${step.padEnd(w)} ${cold.toFixed(1).padStart(10)} ${med.toFixed(1).padStart(10)} ${p95.toFixed(1).padStart(10)} ${rate.padStart(12)}\n`);
  }
}

const since = (t0: number) => performance.now() - t0;

// ---- One database ---------------------------------------------------------------------------------------

async function runCase(kind: DatabaseKind): Promise<void> {
  const schema = kind === 'postgres' ? `bench_${randomUUID().replace(/-/g, '').slice(0, 12)}` : undefined;
  const db = await openDatabase(kind === 'postgres' ? { databaseUrl: DATABASE_URL, schema, poolMax: 10 } : { dataDir: 'memory://' });
  let server: RunningServer | undefined;
  try {
    server = await startServer(config(), { db, port: 0 });
    const endpoints = server.runtime.catalog.endpoints;
    const byDataset = (app: string, dataset: string) => endpoints.find((e) => e.def.app.name === app && e.def.app.dataset === dataset)!;
    const source = byDataset('crm', '-');
    const urlOf = (e: RegisteredEndpoint) => `${server!.url}/sdata/${e.def.app.name}/test/${e.def.app.dataset}/accounts`;
    const digestOf = (e: RegisteredEndpoint) => readDigest(db, e.id, e.url);

    const seedStart = performance.now();
    await batchWrite(urlOf(source), 1, N, 'POST', 1);
    const seedSeconds = since(seedStart) / 1000;
    process.stdout.write(`\n[${kind}] source seeded with ${N} accounts through $batch in ${seedSeconds.toFixed(1)} s; page of ${PAGE}, 1 cold run + ${REPS} timed runs\n`);

    // Targets for the updates first receive the whole selection (every page), so an update page is all updates.
    const upd = byDataset('erp', 'upd');
    const httpUpd = byDataset('erp', 'httpupd');
    for (const t of [upd, httpUpd]) {
      const floor = await digestOf(t);
      let after: SelectionKey | null = null;
      let startIndex = 1;
      do {
        const p = await sourcePage(db, source, floor, after, PAGE, startIndex);
        await applyDecoded(db, t, decodedPage(p.xml, t));
        after = p.next;
        startIndex += PAGE;
      } while (after);
    }

    const t = new Timings();
    let pageBytes = 0;
    const queries: { label: string; sql: string[] }[] = [];
    const checks: string[] = [];
    for (let rep = 0; rep <= REPS; rep++) {
      // Source, direct; then the target side of the same page into a fresh target.
      const fresh = byDataset('erp', `new${rep}`);
      const floor = await digestOf(fresh);
      const t0 = performance.now();
      const page = await sourcePage(db, source, floor, null, PAGE);
      const sourceMs = since(t0);
      t.add('source: select', page.selectMs);
      t.add('source: serialise', page.serialiseMs);
      t.add('source: select + serialise', sourceMs);
      pageBytes = page.xml.length;

      // Source over HTTP: GET the target's digest (not timed), POST it to $syncSource.
      const freshHttp = byDataset('erp', `http${rep}`);
      const floorDoc = await http('GET', `${urlOf(freshHttp)}/$syncDigest`);
      const h0 = performance.now();
      const sel = await http('POST', `${urlOf(source)}/$syncSource?count=${PAGE}`, floorDoc.text, ENTRY_TYPE);
      t.add('source: POST $syncSource (HTTP)', since(h0));
      if (sel.status !== 200) throw new Error(`$syncSource: ${sel.status} ${sel.text.slice(0, 400)}`);

      const d = decodedPage(page.xml, fresh);
      t.add('target: parse (parseSyncFeed)', d.parseMs);
      t.add('target: parse + decode (as $syncTarget)', d.parseDecodeMs);
      const p0 = performance.now();
      planPage({
        page: pageOf(d.feed, d.entries),
        targetUrl: fresh.url,
        targetPriority: fresh.def.priority,
        clock: 1,
        digest: floor,
        now: new Date().toISOString(),
        current: new Map(),
      });
      t.add('target: plan only (no I/O)', since(p0));

      const a0 = performance.now();
      const { result: created, sql: createSql } = await statementsOf(db, () => applyDecoded(db, fresh, d));
      t.add(`target: apply ${PAGE} new`, since(a0));
      if (rep === 1) queries.push({ label: `apply ${PAGE} new (applyPage)`, sql: createSql });
      if (rep === 0) checks.push(`apply new: ${outcomes(created)}`);

      const th0 = performance.now();
      const { result: postNew, sql: httpNewSql } = await statementsOf(db, () => http('POST', `${urlOf(freshHttp)}/$syncTarget`, sel.text, FEED_TYPE));
      t.add(`target: POST $syncTarget ${PAGE} new (HTTP)`, since(th0));
      if (postNew.status !== 200) throw new Error(`$syncTarget: ${postNew.status} ${postNew.text.slice(0, 400)}`);
      if (rep === 1) queries.push({ label: `POST $syncTarget ${PAGE} new (HTTP)`, sql: httpNewSql });
      if (rep === 0) checks.push(`HTTP new: ${(postNew.text.match(/<http:httpStatus>201</g) ?? []).length} answered 201`);
      if (sel.location) await http('DELETE', sel.location.replace(/^https?:\/\/[^/]+/, server.url));

      // Updates: the source changes the page's resources, each update target gets them as one page.
      await batchWrite(urlOf(source), 1, PAGE, 'PUT', rep + 2);
      const updPage = await sourcePage(db, source, await digestOf(upd), null, PAGE);
      const ud = decodedPage(updPage.xml, upd);
      const u0 = performance.now();
      const { result: updated, sql: updSql } = await statementsOf(db, () => applyDecoded(db, upd, ud));
      t.add(`target: apply ${PAGE} updates`, since(u0));
      if (rep === 1) queries.push({ label: `apply ${PAGE} updates (applyPage)`, sql: updSql });
      if (rep === 0) checks.push(`apply updates: ${outcomes(updated)}`);

      const updFloor = await http('GET', `${urlOf(httpUpd)}/$syncDigest`);
      const updSel = await http('POST', `${urlOf(source)}/$syncSource?count=${PAGE}`, updFloor.text, ENTRY_TYPE);
      if (updSel.status !== 200) throw new Error(`$syncSource: ${updSel.status} ${updSel.text.slice(0, 400)}`);
      const uh0 = performance.now();
      const postUpd = await http('POST', `${urlOf(httpUpd)}/$syncTarget`, updSel.text, FEED_TYPE);
      t.add(`target: POST $syncTarget ${PAGE} updates (HTTP)`, since(uh0));
      if (postUpd.status !== 200) throw new Error(`$syncTarget: ${postUpd.status} ${postUpd.text.slice(0, 400)}`);
      if (rep === 0) checks.push(`HTTP updates: ${(postUpd.text.match(/<http:httpStatus>200</g) ?? []).length} answered 200`);
      if (updSel.location) await http('DELETE', updSel.location.replace(/^https?:\/\/[^/]+/, server.url));
    }

    printTable(`[${kind}] page of ${PAGE} accounts (${Math.round(pageBytes / 1024)} KiB of XML, ${Math.round(pageBytes / PAGE)} bytes per entry); source holds ${N}`, t);
    const med = (step: string) => {
      const warm = [...t.rows.get(step)!.slice(1)].sort((a, b) => a - b);
      return percentile(warm, 0.5);
    };
    const srcOver = med('source: POST $syncSource (HTTP)') - med('source: select + serialise');
    const tgtOver = med(`target: POST $syncTarget ${PAGE} new (HTTP)`) - med('target: parse + decode (as $syncTarget)') - med(`target: apply ${PAGE} new`);
    process.stdout.write(`  HTTP overhead (median HTTP row minus the direct rows): $syncSource ${srcOver.toFixed(1)} ms, $syncTarget (new) ${tgtOver.toFixed(1)} ms\n`);
    process.stdout.write('  statements per page (one warm run):\n');
    for (const q of queries) process.stdout.write(`    ${q.label}: ${q.sql.length} — ${summarise(q.sql)}\n`);
    if (opts['show-sql']) for (const s of queries[0].sql) process.stdout.write(`      ${s.replace(/\s+/g, ' ').slice(0, 140)}\n`);

    // Every fresh target holds the page, every update target the whole selection.
    const held = async (e: RegisteredEndpoint) => Number((await db('resources').where('endpoint_id', e.id).count<{ n: string | number }[]>({ n: '*' }))[0].n);
    const fresh = await Promise.all(TARGETS.filter((d) => d.startsWith('new') || d.startsWith('http')).map((d) => held(byDataset('erp', d))));
    const ok = fresh.every((n) => n === PAGE) && (await held(upd)) === N && (await held(httpUpd)) === N;
    process.stdout.write(`  check: ${checks.join('; ')}; fresh targets hold ${PAGE} each, update targets ${N}: ${ok ? 'ok' : 'MISMATCH'}\n`);
    if (!ok) process.exitCode = 1;
  } finally {
    await server?.close();
    await closeDatabase(db, schema);
  }
}

async function main(): Promise<void> {
  const chosen = opts.db ?? (DATABASE_URL ? 'both' : 'pglite');
  const kinds = (chosen === 'both' ? ['pglite', 'postgres'] : chosen.split(',')) as DatabaseKind[];
  for (const k of kinds) if (k !== 'pglite' && k !== 'postgres') throw new Error(`--db: pglite, postgres or both, not '${k}'`);
  if (kinds.includes('postgres') && !DATABASE_URL) throw new Error('--db postgres needs DATABASE_URL (or --database-url)');
  process.stdout.write(`sync page benchmark (node ${process.version}): N=${N}, page ${PAGE}, ${REPS} runs after a cold one\n`);
  for (const k of kinds) await runCase(k);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
