/**
 * What GET /routes and a run's status answer: the JSON shape (read by dashboards and schedulers) and its
 * Atom form (one entry per route, its state and counts in the `x:` extension namespace, as the logger's
 * run feeds write them).
 */
import { feedNode, textContentNode } from '../atom/feed';
import { el, renderXml, type XNode } from '../atom/write';
import type { EngineRoute } from './daemon';
import type { RouteFailure, RouteRun, RunCounts, RunProgress, RunState } from './routeActivity';

export interface RunJson {
  id: string;
  route: string;
  trigger: RouteRun['trigger'];
  state: RunState;
  startedAt: string;
  finishedAt: string | null;
  counts: RunCounts;
  passes: RouteRun['passes'];
}

export interface RouteJson {
  name: string;
  source: string;
  target: string;
  mode: EngineRoute['config']['mode'];
  /**
   * running: a run is going on; paused: a scheduled route whose schedule starts no run ($pause); idle: a
   * scheduled route between runs; listening: an immediate or watch route.
   */
  state: 'running' | 'paused' | 'idle' | 'listening';
  /** When the route was paused; null while it is not. */
  pausedAt: string | null;
  /** Ticks of the sources not at the targets yet; null when a digest cannot be read now. */
  lagTicks: number | null;
  /** When a pass or push of the route last succeeded; null before the first since the engine started. */
  lastSuccessAt: string | null;
  /** Seconds since lastSuccessAt; null when there is none. */
  secondsSinceSuccess: number | null;
  /** The last pass or push that failed since the engine started, and why; null when none has. */
  lastFailure: RouteFailure | null;
  /** A running pass: its leg and kind, entries applied so far, of about totalResults (null when unknown). */
  progress: (Omit<RunProgress, 'totalResults'> & { totalResults: number | null; runId: string; startedAt: string }) | null;
  lastRun: Pick<RunJson, 'id' | 'startedAt' | 'finishedAt' | 'state' | 'counts'> | null;
}

export function routeRunJson(run: RouteRun): RunJson {
  return { id: run.id, route: run.route, trigger: run.trigger, state: run.state, startedAt: run.startedAt, finishedAt: run.finishedAt ?? null, counts: { ...run.counts }, passes: run.passes.map((p) => ({ ...p })) };
}

function progressJson(run: RouteRun | undefined): RouteJson['progress'] {
  if (run?.state !== 'running' || !run.progress) return null;
  const { source, target, kind, entriesDone, totalResults } = run.progress;
  return { runId: run.id, startedAt: run.startedAt, source, target, kind, entriesDone, totalResults: totalResults ?? null };
}

async function routeJson(r: EngineRoute, now: number): Promise<RouteJson> {
  const last = r.activity.latest();
  const pausedAt = r.runner?.paused ?? null;
  const state = r.activity.isRunning() ? 'running' : pausedAt !== null ? 'paused' : r.runner ? 'idle' : 'listening';
  const lastSuccessAt = r.activity.lastSuccessAt() ?? null;
  return {
    name: r.name,
    source: r.config.source,
    target: r.config.target,
    mode: r.config.mode,
    state,
    pausedAt,
    lagTicks: (await r.lag.ticks()) ?? null,
    lastSuccessAt,
    secondsSinceSuccess: lastSuccessAt === null ? null : Math.max(0, Math.round(now - Date.parse(lastSuccessAt)) / 1000),
    lastFailure: r.activity.lastFailure() ?? null,
    progress: progressJson(last),
    lastRun: last ? { id: last.id, startedAt: last.startedAt, finishedAt: last.finishedAt ?? null, state: last.state, counts: { ...last.counts } } : null,
  };
}

export async function routesJson(routes: readonly EngineRoute[]): Promise<{ routes: RouteJson[] }> {
  const now = Date.now();
  return { routes: await Promise.all(routes.map((r) => routeJson(r, now))) };
}

function routeEntry(base: string, r: RouteJson): XNode {
  const run = r.lastRun;
  const title = `${r.name}: ${r.source} -> ${r.target} (${r.mode}, ${r.state})`;
  return el(
    'entry',
    {},
    el('id', {}, `${base}/${encodeURIComponent(r.name)}`),
    el('title', {}, title),
    el('updated', {}, run?.finishedAt ?? run?.startedAt ?? new Date().toISOString()),
    textContentNode(`${title}: ${r.lagTicks ?? 'unknown'} ticks behind, ${r.secondsSinceSuccess === null ? 'no success yet' : `${r.secondsSinceSuccess} s since the last success`}`),
    el(
      'x:route',
      {},
      el('x:name', {}, r.name),
      el('x:source', {}, r.source),
      el('x:target', {}, r.target),
      el('x:mode', {}, r.mode),
      el('x:state', {}, r.state),
      r.lagTicks !== null && el('x:lagTicks', {}, r.lagTicks),
      r.pausedAt !== null && el('x:pausedAt', {}, r.pausedAt),
      r.lastSuccessAt !== null && el('x:lastSuccessAt', {}, r.lastSuccessAt),
      r.secondsSinceSuccess !== null && el('x:secondsSinceSuccess', {}, r.secondsSinceSuccess),
      r.lastFailure && el('x:lastFailure', {}, el('x:at', {}, r.lastFailure.at), r.lastFailure.source && el('x:source', {}, r.lastFailure.source), r.lastFailure.target && el('x:target', {}, r.lastFailure.target), el('x:reason', {}, r.lastFailure.reason)),
      r.progress &&
        el(
          'x:progress',
          {},
          el('x:runId', {}, r.progress.runId),
          el('x:source', {}, r.progress.source),
          el('x:target', {}, r.progress.target),
          el('x:kind', {}, r.progress.kind),
          el('x:entriesDone', {}, r.progress.entriesDone),
          r.progress.totalResults !== null && el('x:totalResults', {}, r.progress.totalResults),
        ),
      run &&
        el(
          'x:lastRun',
          {},
          el('x:id', {}, run.id),
          el('x:state', {}, run.state),
          el('x:startedAt', {}, run.startedAt),
          run.finishedAt !== null && el('x:finishedAt', {}, run.finishedAt),
          ...Object.entries(run.counts).map(([k, v]) => el(`x:${k}`, {}, v)),
        ),
    ),
  );
}

export function routesFeed(base: string, listed: { routes: RouteJson[] }): string {
  return renderXml(feedNode({ id: base, title: 'Routes of the sync engine', updated: new Date().toISOString(), links: [{ rel: 'self', href: base }], totalResults: listed.routes.length, entries: listed.routes.map((r) => routeEntry(base, r)) }));
}
