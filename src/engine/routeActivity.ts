/**
 * What one route of the engine has done: its runs (a scheduled run, one asked by `POST /routes/{name}/$run`,
 * or a catch-up pass of an immediate or watch route), their passes and counts, and when a pass or push of
 * it last succeeded. Read by the engine's HTTP listener and its metrics; kept in memory, the newest
 * MAX_RUNS runs per route.
 *
 *   begin ──> running ── every pass attempt: passStarted, page (counts added), passEnded ──> end
 *                                                         ├─ every pass done (or cut by a stop) ──> done
 *                                                         └─ a pass failed ───────────────────────> failed
 *
 * A run's counts are those the logger's run records hold for its passes (same runName, the runStamps of
 * its passes): the sum of the pages' result counts, entriesRead the entries of the result feeds.
 */
import { randomUUID } from 'node:crypto';
import type { PassKind, PassListener, PassOutcome } from '../metrics/engine';
import type { Counts, PassProgress } from './pass';

export interface RunCounts extends Counts {
  entriesRead: number;
}

export type RunState = 'running' | 'done' | 'failed';
export type RunTrigger = 'schedule' | 'request' | 'start' | 'catch-up';

export interface PassRecord {
  source: string;
  target: string;
  /** With the route's name as runName, what identifies the pass's records at the logger. */
  runStamp: string;
  state: 'running' | PassOutcome;
  error?: string;
}

/** Where a running pass is: the leg and kind it is on, the entries it has applied of about how many. */
export interface RunProgress {
  source: string;
  target: string;
  kind: string;
  entriesDone: number;
  /** The source's estimate of the selection's size (its first page's opensearch:totalResults); absent when it gave none. */
  totalResults?: number;
}

/** The last pass or push of a route that failed, and why. */
export interface RouteFailure {
  at: string;
  source?: string;
  target?: string;
  reason: string;
}

export interface RouteRun {
  id: string;
  route: string;
  trigger: RunTrigger;
  state: RunState;
  startedAt: string;
  finishedAt?: string;
  counts: RunCounts;
  passes: PassRecord[];
  /** While the run is running and a pass has begun a kind. */
  progress?: RunProgress;
}

const MAX_RUNS = 50;

const zero = (): RunCounts => ({ created: 0, updated: 0, deleted: 0, failures: 0, conflicts: 0, skipped: 0, entriesRead: 0 });

export class RouteActivity {
  private readonly runs = new Map<string, RouteRun>();
  private lastSuccess: number | undefined;
  private lastFailureSeen: RouteFailure | undefined;

  constructor(
    readonly route: string,
    private readonly onPass: PassListener = () => undefined,
    private readonly started = Date.now(),
  ) {}

  begin(trigger: RunTrigger): RouteRun {
    const run: RouteRun = { id: randomUUID(), route: this.route, trigger, state: 'running', startedAt: new Date().toISOString(), counts: zero(), passes: [] };
    this.runs.set(run.id, run);
    for (const id of this.runs.keys()) {
      if (this.runs.size <= MAX_RUNS) break;
      if (this.runs.get(id)!.state !== 'running') this.runs.delete(id);
    }
    return run;
  }

  passStarted(run: RouteRun, source: string, target: string, runStamp: string): PassRecord {
    const pass: PassRecord = { source, target, runStamp, state: 'running' };
    run.passes.push(pass);
    return pass;
  }

  /** The progress callback of a pass of this run: each page's counts are added as it is reported. */
  progressOf(run: RouteRun): (p: PassProgress) => void {
    return (p) => {
      if (p.type === 'kind') {
        run.progress = { source: p.source, target: p.target, kind: p.kind, entriesDone: 0 };
        return;
      }
      if (run.progress && run.progress.kind === p.kind) {
        run.progress.entriesDone = p.entriesDone;
        if (p.totalResults !== undefined) run.progress.totalResults = p.totalResults;
      }
      if (!p.counts) return;
      for (const k of Object.keys(p.counts) as (keyof Counts)[]) run.counts[k] += p.counts[k];
      run.counts.entriesRead += p.entries;
    };
  }

  passEnded(pass: PassRecord, outcome: PassOutcome, seconds: number, error?: string): void {
    pass.state = outcome;
    if (error !== undefined) pass.error = error;
    this.ended('pass', outcome, seconds, outcome === 'failed' ? { source: pass.source, target: pass.target, reason: error ?? 'failed' } : undefined);
  }

  /** A pass or push that belongs to no run record (an immediate route's push); `failure` says why a failed one failed. */
  ended(kind: PassKind, outcome: PassOutcome, seconds: number, failure?: Omit<RouteFailure, 'at'>): void {
    if (outcome !== 'failed') this.lastSuccess = Date.now();
    else this.lastFailureSeen = { at: new Date().toISOString(), ...(failure ?? { reason: `the ${kind} failed` }) };
    this.onPass(this.route, kind, outcome, seconds);
  }

  end(run: RouteRun): void {
    delete run.progress;
    run.state = run.passes.some((p) => p.state === 'failed') ? 'failed' : 'done';
    run.finishedAt = new Date().toISOString();
  }

  run(id: string): RouteRun | undefined {
    return this.runs.get(id);
  }

  /** The newest run, running or ended; undefined before the first. */
  latest(): RouteRun | undefined {
    return [...this.runs.values()].pop();
  }

  isRunning(): boolean {
    return [...this.runs.values()].some((r) => r.state === 'running');
  }

  /** When a pass or push of the route last succeeded; undefined before the first. */
  lastSuccessAt(): string | undefined {
    return this.lastSuccess === undefined ? undefined : new Date(this.lastSuccess).toISOString();
  }

  /** The last pass or push that failed, and why; undefined when none has failed since the engine started. */
  lastFailure(): RouteFailure | undefined {
    return this.lastFailureSeen;
  }

  /** Seconds since a pass or push of the route last succeeded (since the engine started, before the first). */
  secondsSinceSuccess(now = Date.now()): number {
    return Math.max(0, (now - (this.lastSuccess ?? this.started)) / 1000);
  }
}
