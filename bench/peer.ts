/**
 * Side by side with the peer (issue 20): PouchDB 9 replication between two express-pouchdb servers
 * (`../shared/peer/pouchdb`, run as an external program from where it lies) and ours, one right after the
 * other in one run, so that the ratios compare figures of the same machine load.
 *
 *   for each n in --n:  the peer's bench.js n  ─> our catchup bench at n (every database in --db)
 *   then:               the peer's live.js     ─> our immediate bench (every database in --db)
 *   ─> one table: each goal's figure for PouchDB and for us, the ratio, the target and whether it is met
 *
 *   npm run bench -- peer [--n 10000,100000] [--db pglite,postgres] [--peer-dir DIR] [--latency-n 1000] [--from-source] [--out FILE]
 *
 * --peer-dir is the peer's folder (default ../shared/peer/pouchdb beside the repository). When it has no
 * node_modules, it is copied into a temporary folder and its own dependencies installed there (`npm ci`);
 * nothing goes into this project. --out FILE writes the table as markdown, headed by the machine it ran on.
 * --from-source is handed to our benchmarks (servers run from the TypeScript sources, not compiled).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, tempDir } from '../test/e2e/support/processes';
import type { CatchupCase } from './catchup';
import type { ImmediateCase } from './immediate';
import { goalTable, type PeerLive, type PeerRun } from './support/goalTable';

/** Runs a program to its end with its output shown; throws when it fails. */
function run(command: string, args: string[], cwd: string): void {
  const r = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} (in ${cwd}) failed: exit ${r.status ?? r.signal}`);
}

/** The peer's folder with its dependencies installed: itself, or a temporary copy where `npm ci` ran. */
function installedPeer(peerDir: string, work: string): string {
  if (!existsSync(join(peerDir, 'bench.js'))) throw new Error(`${peerDir} holds no bench.js: give the peer's folder with --peer-dir`);
  if (existsSync(join(peerDir, 'node_modules'))) return peerDir;
  const copy = join(work, 'pouchdb');
  cpSync(peerDir, copy, { recursive: true });
  chmodSync(copy, 0o755);
  process.stdout.write(`installing the peer's dependencies into ${copy}\n`);
  run('npm', ['ci', '--no-audit', '--no-fund'], copy);
  return copy;
}

/** Our benchmark `name` as its own process, with its figures written as JSON and read back. */
function ours<T>(name: string, args: string[], work: string): T[] {
  const file = join(work, `${name}-${Date.now()}.json`);
  run(process.execPath, ['--import', 'tsx', join(__dirname, `${name}.ts`), ...args, '--json', file], ROOT);
  return JSON.parse(readFileSync(file, 'utf8')) as T[];
}

function peerRun(peer: string, n: number, work: string): PeerRun {
  const file = join(work, `peer-${n}.json`);
  run(process.execPath, ['bench.js', String(n), '--out', file], peer);
  return (JSON.parse(readFileSync(file, 'utf8')) as PeerRun[])[0];
}

function peerLive(peer: string): PeerLive {
  const r = spawnSync(process.execPath, ['live.js'], { cwd: peer, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`live.js failed: exit ${r.status ?? r.signal}`);
  process.stdout.write(r.stdout);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as PeerLive;
}

/** One line naming the machine and the run: date, processors, memory, load, Node. */
function machine(sizes: number[]): string {
  const cpu = cpus();
  return (
    `${new Date().toISOString().slice(0, 10)}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
    `load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end, Node ${process.version}, n = ${sizes.map((n) => n.toLocaleString('en-US')).join(', ')}`
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '10000,100000' },
      db: { type: 'string' },
      'peer-dir': { type: 'string', default: resolve(ROOT, '../shared/peer/pouchdb') },
      'latency-n': { type: 'string', default: '1000' },
      out: { type: 'string' },
      'from-source': { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  const sizes = values.n.split(',').map(Number);
  const db = values.db ?? (process.env.DATABASE_URL ? 'pglite,postgres' : 'pglite');
  const work = tempDir('sdata-bench-peer-');
  const build = values['from-source'] ? ['--from-source'] : [];
  try {
    const peer = installedPeer(resolve(ROOT, values['peer-dir']), work);
    const peerRuns: PeerRun[] = [];
    const passes: CatchupCase[] = [];
    for (const n of sizes) {
      process.stdout.write(`\n== PouchDB 9, bench.js ${n}\n`);
      peerRuns.push(peerRun(peer, n, work));
      process.stdout.write(`\n== ours, catchup --n ${n} --db ${db}\n`);
      passes.push(...ours<CatchupCase>('catchup', ['--n', String(n), '--db', db, ...build], work));
    }
    process.stdout.write('\n== PouchDB 9, live.js\n');
    const live = peerLive(peer);
    process.stdout.write(`\n== ours, immediate --db ${db}\n`);
    const immediate = ours<ImmediateCase>('immediate', ['--n', values['latency-n'], '--seconds', '0', '--db', db, ...build], work);
    const table = `${machine(sizes)}\n\n${goalTable(passes, peerRuns, immediate, live)}\n`;
    process.stdout.write(`\n${table}`);
    if (values.out) writeFileSync(values.out, table);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
