/**
 * The table of bench/peer.ts: for each goal of the speed work, the peer's figure (PouchDB 9 replication
 * between two express-pouchdb servers), ours, the ratio and whether the goal is met, as markdown.
 */
import type { CatchupCase } from '../catchup';
import type { ImmediateCase } from '../immediate';

/** What the peer's bench.js writes for one N (the fields read here). */
export interface PeerRun {
  N: number;
  rows: { phase: string; ms: number; docs_per_s: number | null; peak_rss_mb: { A: number; B: number }; driver_rss_mb: number }[];
}

/** The one JSON line of the peer's live.js. */
export interface PeerLive {
  median_ms: number;
  p95_ms: number;
  burst_1000_caught_up_ms: number;
}

interface Row {
  goal: string;
  n: string;
  db: string;
  peer: string;
  ours: string;
  ratio: string;
  target: string;
  met: boolean | undefined;
}

const count = (v: number) => Math.round(v).toLocaleString('en-US');
const millis = (v: number) => (v < 100 ? v.toFixed(1) : count(v));
const times = (ours: number, peer: number) => (peer > 0 ? `${(ours / peer).toFixed(2)}×` : '—');
const mark = (met: boolean | undefined) => (met === undefined ? '—' : met ? '✓' : '✗');

/** The fastest of the peer's rows of one phase (`full`, `incr1%`, `noop`), and which batch setting it was. */
function peerBest(run: PeerRun, phase: string, by: 'docs_per_s' | 'ms'): { value: number; setting: string } {
  const rows = run.rows.filter((r) => r.phase.startsWith(`${phase}/`));
  const value = (r: PeerRun['rows'][number]) => (by === 'ms' ? r.ms : (r.docs_per_s ?? 0));
  const best = rows.reduce((a, b) => ((by === 'ms' ? value(b) < value(a) : value(b) > value(a)) ? b : a));
  return { value: value(best), setting: best.phase.slice(phase.length + 1) };
}

const peerPeakRss = (run: PeerRun) => Math.max(...run.rows.map((r) => Math.max(r.peak_rss_mb.A, r.peak_rss_mb.B)));
const serverPeakRss = (c: CatchupCase) => Math.max(c.peakRssMb['server A'] ?? 0, c.peakRssMb['server B'] ?? 0);

function passRows(c: CatchupCase, peer: PeerRun): Row[] {
  const at = { n: count(c.n), db: c.db };
  const first = peerBest(peer, 'full', 'docs_per_s');
  const changed = peerBest(peer, 'incr1%', 'ms');
  const idle = peerBest(peer, 'noop', 'ms');
  const idleMedian = c.noChangeMs[Math.floor(c.noChangeMs.length / 2)];
  const last = peer.rows[peer.rows.length - 1];
  return [
    { goal: 'first pass, docs/s', ...at, peer: `${count(first.value)} (${first.setting})`, ours: count(c.firstRecordsPerSecond), ratio: times(c.firstRecordsPerSecond, first.value), target: '≥ 2.0×', met: c.firstRecordsPerSecond >= 2 * first.value },
    { goal: '1% changed, ms', ...at, peer: `${millis(changed.value)} (${changed.setting})`, ours: millis(c.changedMs), ratio: times(c.changedMs, changed.value), target: '≤ 0.5×', met: c.changedMs <= changed.value / 2 },
    { goal: 'nothing to move, ms (ours: median of 5)', ...at, peer: `${millis(idle.value)} (${idle.setting})`, ours: millis(idleMedian), ratio: times(idleMedian, idle.value), target: '< 5 ms', met: idleMedian < 5 },
    {
      goal: 'peak RSS per process, MB',
      ...at,
      peer: `A ${last.peak_rss_mb.A} / B ${last.peak_rss_mb.B} / driver ${last.driver_rss_mb}`,
      ours: Object.entries(c.peakRssMb).map(([name, mb]) => `${name.replace('server ', '')} ${mb}`).join(' / '),
      ratio: `${times(serverPeakRss(c), peerPeakRss(peer))} (servers)`,
      target: 'PGlite server ≤ 300 at 100,000',
      met: c.db === 'pglite' && c.n >= 100_000 ? serverPeakRss(c) <= 300 : undefined,
    },
  ];
}

/** Peak RSS at the largest n over that at the smallest, for every process (goal: flat memory). */
function growthRow(db: string, small: CatchupCase, large: CatchupCase, peerSmall: PeerRun, peerLarge: PeerRun): Row {
  const ours = Math.max(...Object.keys(large.peakRssMb).map((k) => large.peakRssMb[k] / (small.peakRssMb[k] || 1)));
  const peer = peerPeakRss(peerLarge) / peerPeakRss(peerSmall);
  return { goal: 'peak RSS growth (worst process)', n: `${count(large.n)} / ${count(small.n)}`, db, peer: `${peer.toFixed(2)}×`, ours: `${ours.toFixed(2)}×`, ratio: '—', target: '≤ 1.2×', met: ours <= 1.2 };
}

function immediateRows(c: ImmediateCase, live: PeerLive): Row[] {
  const at = { n: count(c.n), db: c.db };
  return [
    { goal: 'immediate: create at A readable at B, median ms', ...at, peer: millis(live.median_ms), ours: millis(c.medianMs), ratio: times(c.medianMs, live.median_ms), target: '< 10 ms, ≤ PouchDB', met: c.medianMs < 10 && c.medianMs <= live.median_ms },
    { goal: 'immediate, p99 ms (PouchDB: p95 of 100)', ...at, peer: millis(live.p95_ms), ours: millis(c.p99Ms), ratio: times(c.p99Ms, live.p95_ms), target: '< 50 ms, ≤ PouchDB', met: c.p99Ms < 50 && c.p99Ms <= live.p95_ms },
    { goal: `burst of ${count(c.burst)} caught up after the last answer, ms`, ...at, peer: millis(live.burst_1000_caught_up_ms), ours: millis(c.burstCaughtUpMs), ratio: times(c.burstCaughtUpMs, live.burst_1000_caught_up_ms), target: '≤ 200 ms', met: c.burstCaughtUpMs <= 200 },
  ];
}

/** The markdown table of every goal: passes for each size and database, memory growth, then the immediate route. */
export function goalTable(passes: CatchupCase[], peerRuns: PeerRun[], immediate: ImmediateCase[], live: PeerLive): string {
  const peerAt = (n: number) => peerRuns.find((r) => r.N === n)!;
  const rows = passes.flatMap((c) => passRows(c, peerAt(c.n)));
  for (const db of [...new Set(passes.map((c) => c.db))]) {
    const sized = passes.filter((c) => c.db === db).sort((x, y) => x.n - y.n);
    if (sized.length > 1) rows.push(growthRow(db, sized[0], sized[sized.length - 1], peerAt(sized[0].n), peerAt(sized[sized.length - 1].n)));
  }
  rows.push(...immediate.flatMap((c) => immediateRows(c, live)));
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    line(['goal', 'n', 'database', 'PouchDB 9', 'ours', 'ours / PouchDB', 'target', 'met']),
    line(Array(8).fill('---')),
    ...rows.map((r) => line([r.goal, r.n, r.db, r.peer, r.ours, r.ratio, r.target, mark(r.met)])),
  ].join('\n');
}
