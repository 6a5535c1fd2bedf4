/**
 * Immediate-mode benchmark (issue 9): endpoint server A (crm), endpoint server B (erp) and the engine, each
 * its own process on loopback (the compiled CLI, as deployed), with one immediate route A -> B (accounts).
 *
 *   latency   1,000 sequential creates at A; for each, the time from the 201 to the change being readable at
 *             B: B's $syncNotify announces a digest holding the create's tick (B commits data and digest in
 *             one transaction, and announces at commit). Median, p90, p99, max.
 *   cost      requests and bytes the engine exchanged with A and B per pushed change, during the latency run
 *             (counted at the servers from their debug request log; $syncNotify streams and the bench's own
 *             creates left out), and the CPU time (user + system) A, B and the engine spent per change then
 *             (A's includes taking the create): work per change, which a loaded machine changes far less than
 *             it changes the latency.
 *   burst     --burst concurrent creates at A (default 1,000); the time from the last 201 until B holds them all.
 *   sustained 8 writers create at A for --seconds (single requests; 0 leaves it out); the rate A took them at,
 *             and the rate they arrived at B (the whole stream divided by the time from the first create to
 *             the last one readable at B).
 *
 *   npm run bench -- immediate [--n 1000] [--burst 1000] [--seconds 10] [--db pglite,postgres] [--from-source] [--json FILE]
 *
 * --json FILE also writes the figures of every database as JSON (an array of ImmediateCase), for bench/peer.ts.
 */
import { buildCompiledCli } from './support/compiledCli';
import { performance } from 'node:perf_hooks';
import { rmSync, writeFileSync } from 'node:fs';
import { cpuSeconds } from './support/cpu';
import { parseArgs } from 'node:util';
import { DigestStream } from '../src/engine/digestStream';
import { parseDigestDocument } from '../src/atom/digestXml';
import { parseXml } from '../src/atom/xml';
import { tickOf } from '../src/protocol/digest';
import type { Digest } from '../src/protocol/types';
import { demoAccountsKind } from '../src/config/demo';
import { ROOT, databaseEnv, dropDatabases, spawnCli, startServe, tempDir, writeYaml, type DatabaseKind, type ServerProcess } from '../test/e2e/support/processes';

/** How long a server may take to start: a new PGlite folder is initialised first, slowly on a loaded machine. */
const START_MILLIS = 180_000;

const NS = { atom: 'http://www.w3.org/2005/Atom', sdata: 'http://schemas.sage.com/sdata/2008/1', demo: 'urn:sdata-sync:demo' };

function serverConfig(app: string, keys: unknown) {
  return { log: { level: 'debug' }, applications: [{ name: app, contract: 'test', namespace: NS.demo, dataset: '-', conflictPriority: app === 'crm' ? 1 : 2, keys, kinds: [demoAccountsKind()] }] };
}

const entry = (i: number) => `<entry xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}"><sdata:payload><account xmlns="${NS.demo}"><name>Account ${i}</name><email>a${i}@example.test</email><balance>${i}.50</balance></account></sdata:payload></entry>`;

async function createAt(endpoint: string, i: number): Promise<void> {
  const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/atom+xml;type=entry' }, body: entry(i) });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`POST ${endpoint}: ${res.status}`);
}

async function digestAt(endpoint: string): Promise<Digest> {
  return parseDigestDocument(parseXml(await (await fetch(`${endpoint}/$syncDigest`)).text()));
}

/** Resolves when B's announced tick for A reaches a value. */
class Arrivals {
  tick = 0;
  private waiters: { tick: number; resolve: () => void }[] = [];
  constructor(private readonly a: string) {}
  see(d: Digest): void {
    this.tick = Math.max(this.tick, tickOf(d, this.a, 0));
    this.waiters = this.waiters.filter((w) => (w.tick <= this.tick ? (w.resolve(), false) : true));
  }
  until(tick: number): Promise<void> {
    return tick <= this.tick ? Promise.resolve() : new Promise((resolve) => this.waiters.push({ tick, resolve }));
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

/** Requests the engine made to a server (from its debug log): count and bytes, after `from` lines. */
function engineRequests(servers: ServerProcess[], createsUrl: string, from: number[]): { requests: number; bytes: number } {
  let requests = 0;
  let bytes = 0;
  servers.forEach((s, i) => {
    for (const line of s.proc.stderr().split('\n').slice(from[i])) {
      if (!line.includes('"request answered"')) continue;
      const r = JSON.parse(line) as { req: { method: string; url: string }; bytesIn: number; bytesOut: number };
      if (r.req.url.includes('$syncNotify') || (r.req.method === 'POST' && createsUrl.endsWith(r.req.url.split('?')[0]))) continue;
      requests += 1;
      bytes += r.bytesIn + r.bytesOut;
    }
  });
  return { requests, bytes };
}

/** The figures of one database, as --json writes them. */
export interface ImmediateCase {
  db: DatabaseKind;
  n: number;
  medianMs: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  burst: number;
  burstCaughtUpMs: number;
}

async function runCase(db: DatabaseKind, n: number, burst: number, seconds: number): Promise<ImmediateCase> {
  const dir = tempDir('sdata-bench-immediate-');
  const servers: ServerProcess[] = [];
  let engine: ReturnType<typeof spawnCli> | undefined;
  let stream: DigestStream | undefined;
  try {
    servers.push(await startServe(writeYaml(dir, 'crm.yaml', serverConfig('crm', { style: 'numeric' })), { ...(await databaseEnv(db, dir, 'crm')), LOG_LEVEL: 'debug' }, undefined, START_MILLIS));
    servers.push(await startServe(writeYaml(dir, 'erp.yaml', serverConfig('erp', { style: 'prefixed', prefix: 'E', width: 6 })), { ...(await databaseEnv(db, dir, 'erp')), LOG_LEVEL: 'debug' }, undefined, START_MILLIS));
    const [a, b] = servers.map((s, i) => `${s.url}/sdata/${i === 0 ? 'crm' : 'erp'}/test/-/accounts`);
    const engineFile = writeYaml(dir, 'engine.yaml', { log: { level: 'warn' }, engine: { http: { port: 0 }, routes: [{ name: 'bench', source: a, target: b, mode: 'immediate', schedule: '0 0 * * * *' }] } });
    engine = spawnCli(['engine', '--config', engineFile], { LOG_LEVEL: 'warn' });
    const aId = (await digestAt(a)).origin!;
    const arrivals = new Arrivals(aId);
    stream = new DigestStream({ endpoint: b, pollSeconds: 1, onDigest: (d) => arrivals.see(d) });
    stream.start();
    // Warm-up: 50 changes through the route.
    for (let i = 0; i < 50; i++) await createAt(a, i);
    let clock = tickOf(await digestAt(a), aId, 1);
    await arrivals.until(clock);

    const linesBefore = servers.map((s) => s.proc.stderr().split('\n').length - 1);
    const pids = { A: servers[0].proc.pid, B: servers[1].proc.pid, engine: engine.pid };
    const cpuNow = () => Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
    const cpuBefore = cpuNow();
    const latencies: number[] = [];
    for (let i = 0; i < n; i++) {
      await createAt(a, 1000 + i);
      const t0 = performance.now();
      clock += 1;
      await arrivals.until(clock);
      latencies.push(performance.now() - t0);
    }
    await new Promise((resolve) => setTimeout(resolve, 300)); // the context deletes after the last push
    const cost = engineRequests(servers, a, linesBefore);
    const cpuAfter = cpuNow();
    const cpuPerChange = Object.entries(cpuAfter).map(([k, sec]) => `${k} ${(((sec - cpuBefore[k]) * 1000) / n).toFixed(2)} ms`);
    latencies.sort((x, y) => x - y);
    const ms = (v: number) => `${v.toFixed(1)} ms`;
    process.stdout.write(
      `[${db}] latency over ${n} sequential changes (201 at A -> readable at B): median ${ms(percentile(latencies, 50))}, p90 ${ms(percentile(latencies, 90))}, p99 ${ms(percentile(latencies, 99))}, max ${ms(latencies[latencies.length - 1])}\n` +
        `[${db}] per pushed change: ${(cost.requests / n).toFixed(2)} engine requests, ${Math.round(cost.bytes / n)} bytes (requests and answers, bodies)\n` +
        `[${db}] CPU per pushed change (user + system): ${cpuPerChange.join(', ')}\n`,
    );

    // Burst: concurrent creates, timed from the last answer until B holds them all.
    await Promise.all(Array.from({ length: burst }, (_, i) => createAt(a, 50_000 + i)));
    const lastAnswer = performance.now();
    clock += burst;
    await arrivals.until(clock);
    const burstCaughtUpMs = performance.now() - lastAnswer;
    process.stdout.write(`[${db}] burst of ${burst} concurrent creates: all readable at B ${ms(burstCaughtUpMs)} after the last 201\n`);
    const figures = { db, n, medianMs: percentile(latencies, 50), p90Ms: percentile(latencies, 90), p99Ms: percentile(latencies, 99), maxMs: latencies[latencies.length - 1], burst, burstCaughtUpMs };
    if (seconds <= 0) return figures;

    // Sustained stream: 8 writers for `seconds`.
    let created = 0;
    const started = performance.now();
    const deadline = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; performance.now() < deadline; i++) {
          await createAt(a, 100_000 + w * 100_000 + i);
          created += 1;
        }
      }),
    );
    const writeSeconds = (performance.now() - started) / 1000;
    await arrivals.until(clock + created);
    const arriveSeconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `[${db}] sustained: ${created} changes written at ${Math.round(created / writeSeconds)}/s by 8 writers; all readable at B after ${arriveSeconds.toFixed(2)} s: ${Math.round(created / arriveSeconds)} changes/s (B ${((arriveSeconds - writeSeconds) * 1000).toFixed(0)} ms behind at the end)\n`,
    );
    return figures;
  } finally {
    await stream?.close();
    await engine?.stop();
    await Promise.all(servers.map((s) => s.proc.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { n: { type: 'string', default: '1000' }, burst: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '10' }, db: { type: 'string' }, 'from-source': { type: 'boolean', default: false }, json: { type: 'string' } },
    allowPositionals: true,
  });
  if (!values['from-source']) buildCompiledCli('the servers and the engine');
  const dbs = (values.db ?? (process.env.DATABASE_URL ? 'pglite,postgres' : 'pglite')).split(',') as DatabaseKind[];
  const unknown = dbs.filter((d) => d !== 'pglite' && d !== 'postgres');
  if (unknown.length > 0) throw new Error(`--db takes pglite, postgres or pglite,postgres (not '${unknown.join(',')}')`);
  if (dbs.includes('postgres') && !process.env.DATABASE_URL) throw new Error('--db postgres needs DATABASE_URL');
  const cases: ImmediateCase[] = [];
  try {
    for (const db of dbs) cases.push(await runCase(db, Number(values.n), Number(values.burst), Number(values.seconds)));
    if (values.json) writeFileSync(values.json, JSON.stringify(cases, null, 2));
  } finally {
    await dropDatabases();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
