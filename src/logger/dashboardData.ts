/**
 * What `GET /dashboard/data` answers: one JSON document built from the logger's run records, its
 * observer's latest reads and the engine listeners' — the engines' routes by name (with a chart's data for
 * the last hour), the alerts panel, the legs (source, target, kind), digest matrix, a page of runs (and the
 * run names to filter them by), open conflicts and quarantined entries by endpoint, and the observer's
 * state of each endpoint. Pure.
 */
import { digestMatrix, type DigestMatrix } from './digestMatrix';
import type { ObserverSnapshot } from './observer';
import type { ParkedConflict, QuarantinedEntryView } from '../atom/parkedFeeds';
import type { RouteView } from './routeViews';
import type { RunRecord } from './records';
import type { Digest } from '../protocol/types';
import type { AlertsPanel } from './alerting';
import type { EngineView } from './engines';
import { entriesPerMinute } from './routeCharts';

/** An engine's route as the dashboard shows it: what its listener says, its lag samples and entries per minute over the last hour. */
export type DashboardEngine = Omit<EngineView, 'routes'> & { routes: (EngineView['routes'][number] & { entriesPerMinute: number[] })[] };

export interface DashboardData {
  now: string;
  refreshedAt?: string;
  engines: DashboardEngine[];
  alerts: AlertsPanel;
  routes: RouteView[];
  /** The run names the runs can be filtered by (the latest run's of every leg), sorted. */
  runNames: string[];
  matrix: DigestMatrix;
  runs: { total: number; startIndex: number; count: number; items: RunRecord[] };
  conflicts: { endpoint: string; total: number; items: ParkedConflict[] }[];
  failures: { endpoint: string; total: number; items: QuarantinedEntryView[] }[];
  endpoints: { url: string; readAt?: string; error?: { message: string; at: string } }[];
  notObserved: ObserverSnapshot['notObserved'];
}

export function dashboardData(input: {
  now: Date;
  routes: RouteView[];
  observed: ObserverSnapshot;
  digests: ReadonlyMap<string, Digest>;
  runs: DashboardData['runs'];
  engines: EngineView[];
  alerts: AlertsPanel;
  /** Runs of the last hour (their run names, start and entries read), for the charts. */
  lastHour: Parameters<typeof entriesPerMinute>[0];
}): DashboardData {
  const { observed } = input;
  const names = [...new Set(input.engines.flatMap((e) => e.routes.map((r) => r.name)))];
  const perMinute = entriesPerMinute(input.lastHour, names, input.now);
  return {
    now: input.now.toISOString(),
    refreshedAt: observed.refreshedAt,
    engines: input.engines.map((e) => ({ ...e, routes: e.routes.map((r) => ({ ...r, entriesPerMinute: perMinute[r.name] })) })),
    alerts: input.alerts,
    routes: input.routes,
    runNames: [...new Set(input.routes.map((r) => r.lastRun.runName))].sort(),
    matrix: digestMatrix(input.digests),
    runs: input.runs,
    conflicts: observed.endpoints.filter((e) => e.conflicts && e.conflicts.items.length > 0).map((e) => ({ endpoint: e.url, ...e.conflicts! })),
    failures: observed.endpoints.filter((e) => e.failures && e.failures.items.length > 0).map((e) => ({ endpoint: e.url, ...e.failures! })),
    endpoints: observed.endpoints.map((e) => ({ url: e.url, readAt: e.readAt, error: e.error })),
    notObserved: observed.notObserved,
  };
}
