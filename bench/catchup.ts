/**
 * Catch-up benchmark (issue 4, point 5): endpoint server A (application crm), endpoint server B (erp), the
 * event logger and the engine, each its own process on loopback.
 *
 *   seed A with N accounts ($batch of 1,000) ─> pass A->B (first, everything moves)
 *   ─> change 1% at A ─> pass A->B (incremental) ─> pass A->B (nothing to move)
 *
 * For N in --n (default 10000,100000) and each database in --db (pglite, and postgres when DATABASE_URL is
 * set). The engine is one long-lived process (this file run with --engine-worker: it reads pass requests as
 * JSON lines on stdin and answers each pass summary), warmed by one pass with nothing to move before the
 * data is written, as a running engine daemon would be. A pass's time is measured inside the engine, from
 * reading B's digest to the last context deleted (the pass with nothing to move: the median of five); result
 * posts go through the worker's one outbox, delivered in order behind the passes, as the daemon's are. Prints
 * records/s, wall time and the peak RSS (VmHWM) of every process.
 *
 *   npm run bench -- catchup [--n 10000,100000] [--db pglite,postgres] [--page-size 1000] [--cpu-prof DIR] [--json FILE]
 *
 * --json FILE also writes the figures of every case as JSON (an array of CatchupCase), for bench/peer.ts.
 * The endpoint servers and the logger run the compiled CLI (compiled first into .bench-out/dist, as a deployment runs it);
 * --from-source runs them from the TypeScript sources through tsx instead (about 35 MB more per process).
 * The engine runs from source either way (this file is its entry point).
 * --cpu-prof DIR makes every child process write a V8 CPU profile (.cpuprofile) into DIR when it exits;
 * --trace makes the engine write one JSON line per HTTP request (method, URL, status, bytes, millis) to stderr.
 */
import { buildCompiledCli } from './support/compiledCli';
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpuSeconds, postgresCpuSeconds } from './support/cpu';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { SDataClient } from '../src/engine/sdataClient';
import { runPass } from '../src/engine/pass';
import { ResultOutbox } from '../src/engine/resultOutbox';
import {
  childNodeArgs,
  databaseEnv,
  ROOT,
  dropDatabases,
  startLoggerProcess,
  startServe,
  tempDir,
  writeYaml,
  type CliProcess,
  type DatabaseKind,
} from '../test/e2e/support/processes';
import { demoAccountsKind } from '../src/config/demo';

const NS = {
  atom: 'http://www.w3.org/2005/Atom',
  sdata: 'http://schemas.sage.com/sdata/2008/1',
  http: 'http://schemas.sage.com/sdata/http/2008/1',
  demo: 'urn:sdata-sync:demo',
};

const ACCOUNTS = demoAccountsKind();

/** How long a process may take to start: a new PGlite folder is initialised first, slowly on a loaded machine. */
const START_MILLIS = 180_000;

function serverConfig(app: string, keys: unknown) {
  return {
    sync: { pageSize: 1000, maxPageSize: 5000 },
    log: { level: 'warn' },
    applications: [{ name: app, contract: 'test', namespace: NS.demo, dataset: '-', conflictPriority: app === 'crm' ? 1 : 2, keys, kinds: [ACCOUNTS] }],
  };
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function accountXml(key: string, i: number, version: number): string {
  return (
    `<account xmlns="${NS.demo}" sdata:key="${key}">` +
    `<name>${escapeXml(`Account ${i} v${version} & Co`)}</name><email>account${i}.v${version}@example.test</email>` +
    `<balance>${(i * 13.37 + version).toFixed(2)}</balance><active>${i % 2 === 0}</active><openedOn>2024-0${(i % 9) + 1}-1${i % 10}</openedOn></account>`
  );
}

function batchFeed(endpoint: string, items: { key: string; i: number; method: 'POST' | 'PUT'; version: number }[]): string {
  const entries = items
    .map(
      (it) =>
        `<entry>${it.method === 'PUT' ? `<id>${endpoint}('${it.key}')</id>` : ''}<http:httpMethod>${it.method}</http:httpMethod>` +
        `<sdata:payload>${accountXml(it.key, it.i, it.version)}</sdata:payload></entry>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><feed xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}" xmlns:http="${NS.http}"><title>batch</title>${entries}</feed>`;
}

async function postBatch(endpoint: string, body: string): Promise<void> {
  const res = await fetch(`${endpoint}/$batch`, { method: 'POST', headers: { 'content-type': 'application/atom+xml; type=feed' }, body });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`$batch at ${endpoint}: ${res.status} ${text.slice(0, 500)}`);
  const failed = /<http:httpStatus>([45]\d\d)<\/http:httpStatus>/.exec(text);
  if (failed) throw new Error(`$batch at ${endpoint}: an entry answered ${failed[1]}: ${text.slice(0, 800)}`);
}

/** Runs batches of 1,000 with two in flight. */
async function writeAll(endpoint: string, keys: number[], method: 'POST' | 'PUT', version: number): Promise<number> {
  const started = performance.now();
  const batches: number[][] = [];
  for (let i = 0; i < keys.length; i += 1000) batches.push(keys.slice(i, i + 1000));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++];
      await postBatch(endpoint, batchFeed(endpoint, batch.map((i) => ({ key: `K${String(i).padStart(7, '0')}`, i, method, version }))));
    }
  };
  await Promise.all([worker(), worker()]);
  return (performance.now() - started) / 1000;
}

async function totalResults(endpoint: string): Promise<number> {
  const res = await fetch(`${endpoint}?count=1`);
  const m = /<opensearch:totalResults>(\d+)</.exec(await res.text());
  return m ? Number(m[1]) : -1;
}

interface PassRequest {
  phase: string;
  source: string;
  target: string;
  log: string;
  pageSize: number;
}

interface PassFigures {
  phase: string;
  entries: number;
  created: number;
  updated: number;
  failures: number;
  seconds: number;
  recordsPerSecond: number;
}

/** The engine process: runs the passes it is sent on stdin, one JSON line each, and answers their summaries. */
async function engineWorker(): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  // One result outbox for the worker's life, as the engine daemon keeps one for all its routes.
  const outbox = new ResultOutbox({ capacity: 1000, retry: { startingDelayMillis: 200, maxDelayMillis: 10_000 } });
  for await (const line of lines) {
    const req = JSON.parse(line) as PassRequest;
    const log = process.env.SDATA_BENCH_TRACE ? pino({ level: 'debug', base: undefined }, pino.destination(2)) : undefined;
    const client = new SDataClient({ run: { runName: `bench ${req.phase}`, runStamp: new Date().toISOString() }, log });
    const s = await runPass({ source: req.source, target: req.target, client, loggers: [req.log], outbox, pageSize: req.pageSize });
    process.stdout.write(`${JSON.stringify({ ...s, kinds: undefined })}\n`);
  }
}

/** The engine worker process, and a way to run one pass in it. */
function startEngine(): { proc: ChildProcess; peakRssKb(): number; pass(req: PassRequest): Promise<PassFigures>; stop(): Promise<void> } {
  const proc = spawn(process.execPath, [...childNodeArgs(), __filename, '--engine-worker'], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, DATABASE_URL: undefined } });
  const answers = createInterface({ input: proc.stdout! });
  const waiting: ((line: string) => void)[] = [];
  answers.on('line', (line) => waiting.shift()?.(line));
  return {
    proc,
    peakRssKb: () => vmHwmKb(proc.pid!),
    pass(req) {
      return new Promise((resolve) => {
        waiting.push((line) => {
          const s = JSON.parse(line) as { entries: number; created: number; updated: number; failures: number; seconds: number };
          resolve({ phase: req.phase, entries: s.entries, created: s.created, updated: s.updated, failures: s.failures, seconds: s.seconds, recordsPerSecond: s.seconds > 0 ? Math.round(s.entries / s.seconds) : 0 });
        });
        proc.stdin!.write(`${JSON.stringify(req)}\n`);
      });
    },
    async stop() {
      proc.stdin!.end();
      await new Promise((done) => proc.once('exit', done));
    },
  };
}

function vmHwmKb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** The figures of one database and size, as --json writes them. */
export interface CatchupCase {
  db: DatabaseKind;
  n: number;
  firstRecordsPerSecond: number;
  changedMs: number;
  /** The five passes with nothing to move, fastest first; the middle one is the median. */
  noChangeMs: number[];
  peakRssMb: Record<string, number>;
  ok: boolean;
}

async function runCase(db: DatabaseKind, n: number, pageSize: number): Promise<CatchupCase> {
  const dir = tempDir('sdata-bench-');
  const procs: Record<string, CliProcess> = {};
  try {
    const [envA, envB, envL] = await Promise.all([databaseEnv(db, dir, 'a'), databaseEnv(db, dir, 'b'), databaseEnv(db, dir, 'logger')]);
    const a = await startServe(writeYaml(dir, 'a.yaml', serverConfig('crm', { style: 'numeric' })), envA, undefined, START_MILLIS);
    procs['server A'] = a.proc;
    const b = await startServe(writeYaml(dir, 'b.yaml', serverConfig('erp', { style: 'prefixed', prefix: 'A', width: 7 })), envB, undefined, START_MILLIS);
    procs['server B'] = b.proc;
    const logger = await startLoggerProcess(envL, writeYaml(dir, 'logger.yaml', { log: { level: 'warn' } }), undefined, START_MILLIS);
    procs.logger = logger.proc;
    const source = `${a.url}/sdata/crm/test/-/accounts`;
    const target = `${b.url}/sdata/erp/test/-/accounts`;

    const keys = Array.from({ length: n }, (_, i) => i + 1);
    const changed = keys.filter((i) => i % 100 === 0);
    const figures: PassFigures[] = [];

    const engine = startEngine();
    const pids = { 'server A': a.proc.pid, 'server B': b.proc.pid, logger: logger.proc.pid, engine: engine.proc.pid! };
    const cpuNow = () => ({ ...Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)])), postgres: postgresCpuSeconds() });
    const pass = async (phase: string) => {
      const before = cpuNow();
      const f = await engine.pass({ phase, source, target, log: logger.ingestUrl, pageSize });
      const after = cpuNow();
      cpu.set(phase, Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k as keyof typeof before]])));
      return f;
    };
    const cpu = new Map<string, Record<string, number>>();
    let engineRssKb = 0;
    let idleRange = '';
    let idleMs: number[] = [];
    try {
      await pass('warm-up');
      const seedSeconds = await writeAll(source, keys, 'POST', 1);
      process.stdout.write(`\n[${db}] N=${n}: seeded A with ${n} accounts in ${seedSeconds.toFixed(1)} s (${Math.round(n / seedSeconds)} creates/s through $batch)\n`);
      figures.push(await pass('first'));
      await writeAll(source, changed, 'PUT', 2);
      figures.push(await pass('1% changed'));
      // A pass with nothing to move takes milliseconds, so one sample is mostly noise: five, the median shown.
      const idle: PassFigures[] = [];
      for (let i = 0; i < 5; i++) idle.push(await pass('no change'));
      idle.sort((x, y) => x.seconds - y.seconds);
      figures.push(idle[2]);
      idleMs = idle.map((f) => f.seconds * 1000);
      idleRange = `no change, 5 passes: ${idleMs.map((ms) => ms.toFixed(0)).join(' / ')} ms`;
      engineRssKb = engine.peakRssKb();
    } finally {
      await engine.stop();
    }
    const atB = await totalResults(target);

    const cpuNames = Object.keys(cpu.get('first') ?? {});
    process.stdout.write(`phase        entries   pass s   records/s   CPU s: ${cpuNames.join(' / ')}\n`);
    for (const f of figures) {
      const c = cpuNames.map((k) => (cpu.get(f.phase)?.[k] ?? 0).toFixed(2)).join(' / ');
      process.stdout.write(`${f.phase.padEnd(12)} ${String(f.entries).padStart(7)} ${f.seconds.toFixed(3).padStart(8)} ${String(f.recordsPerSecond).padStart(11)}   ${c}\n`);
    }
    const peakRssMb = Object.fromEntries([...Object.entries(procs).map(([name, p]) => [name, p.peakRssKb() ?? 0] as const), ['engine', engineRssKb] as const].map(([name, kb]) => [name, Math.round(kb / 1024)]));
    process.stdout.write(`${idleRange}\npeak RSS: ${Object.entries(peakRssMb).map(([name, mb]) => `${name} ${mb} MB`).join(', ')}\n`);
    const ok = figures[0].created === n && figures[1].updated === changed.length && figures[2].entries === 0 && atB === n && figures.every((f) => f.failures === 0);
    process.stdout.write(`check: B holds ${atB} accounts; first pass created ${figures[0].created}, incremental updated ${figures[1].updated}: ${ok ? 'ok' : 'MISMATCH'}\n`);
    if (!ok) process.exitCode = 1;
    return { db, n, firstRecordsPerSecond: figures[0].recordsPerSecond, changedMs: figures[1].seconds * 1000, noChangeMs: idleMs, peakRssMb, ok };
  } finally {
    await Promise.all(Object.values(procs).map((p) => p.stop()));
    // Retried: a PGlite folder can still be closing, and a failure here would hide the case's own error.
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { n: { type: 'string', default: '10000,100000' }, db: { type: 'string' }, 'page-size': { type: 'string', default: '1000' }, 'cpu-prof': { type: 'string' }, trace: { type: 'boolean', default: false }, 'from-source': { type: 'boolean', default: false }, json: { type: 'string' } },
    allowPositionals: true,
  });
  if (values['cpu-prof']) process.env.SDATA_CPU_PROF_DIR = values['cpu-prof'];
  if (values.trace) process.env.SDATA_BENCH_TRACE = '1';
  if (!values['from-source']) buildCompiledCli('the servers and the logger');
  const sizes = values.n.split(',').map(Number);
  const dbs = (values.db ?? (process.env.DATABASE_URL ? 'pglite,postgres' : 'pglite')).split(',') as DatabaseKind[];
  if (dbs.includes('postgres') && !process.env.DATABASE_URL) throw new Error('--db postgres needs DATABASE_URL');
  const cases: CatchupCase[] = [];
  try {
    for (const db of dbs) for (const n of sizes) cases.push(await runCase(db, n, Number(values['page-size'])));
    if (values.json) writeFileSync(values.json, JSON.stringify(cases, null, 2));
  } finally {
    await dropDatabases();
  }
}

(process.argv.includes('--engine-worker') ? engineWorker() : main()).catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
