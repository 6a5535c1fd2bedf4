/**
 * What GET /routes and a run's status answer: the JSON shape (read by dashboards and schedulers) and its
 * Atom form (one entry per route, its state and counts in the `x:` extension namespace, as the logger's
 * run feeds write them).
 */
import { feedNode, textContentNode } from '../atom/feed';
import { el, renderXml, type XNode } from '../atom/write';
import type { EngineRoute } from './daemon';
import type { RouteRun, RunCounts, RunState } from './routeActivity';

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
  /** running: a run is going on; idle: a scheduled route between runs; listening: an immediate or watch route. */
  state: 'running' | 'idle' | 'listening';
  lagTicks: number | null;
  lagSeconds: number;
  lastRun: Pick<RunJson, 'id' | 'startedAt' | 'finishedAt' | 'state' | 'counts'> | null;
}

export function routeRunJson(run: RouteRun): RunJson {
  return { id: run.id, route: run.route, trigger: run.trigger, state: run.state, startedAt: run.startedAt, finishedAt: run.finishedAt ?? null, counts: { ...run.counts }, passes: run.passes.map((p) => ({ ...p })) };
}

async function routeJson(r: EngineRoute): Promise<RouteJson> {
  const last = r.activity.latest();
  const state = r.activity.isRunning() ? 'running' : r.runner ? 'idle' : 'listening';
  return {
    name: r.name,
    source: r.config.source,
    target: r.config.target,
    mode: r.config.mode,
    state,
    lagTicks: (await r.lag.ticks()) ?? null,
    lagSeconds: Math.round(r.activity.secondsSinceSuccess() * 1000) / 1000,
    lastRun: last ? { id: last.id, startedAt: last.startedAt, finishedAt: last.finishedAt ?? null, state: last.state, counts: { ...last.counts } } : null,
  };
}

export async function routesJson(routes: readonly EngineRoute[]): Promise<{ routes: RouteJson[] }> {
  return { routes: await Promise.all(routes.map(routeJson)) };
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
    textContentNode(`${title}: ${r.lagTicks ?? 'unknown'} ticks behind, ${r.lagSeconds} s since the last success`),
    el(
      'x:route',
      {},
      el('x:name', {}, r.name),
      el('x:source', {}, r.source),
      el('x:target', {}, r.target),
      el('x:mode', {}, r.mode),
      el('x:state', {}, r.state),
      r.lagTicks !== null && el('x:lagTicks', {}, r.lagTicks),
      el('x:lagSeconds', {}, r.lagSeconds),
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
