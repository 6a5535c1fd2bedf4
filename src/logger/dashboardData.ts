/**
 * What `GET /dashboard/data` answers: one JSON document built from the logger's run records and its
 * observer's latest reads — routes, digest matrix, a page of runs, open conflicts and quarantined entries by
 * endpoint, and the observer's state of each endpoint. Pure.
 */
import { digestMatrix, type DigestMatrix } from './digestMatrix';
import type { ObserverSnapshot } from './observer';
import type { ParkedConflict, QuarantinedEntryView } from '../atom/parkedFeeds';
import type { RouteView } from './routeViews';
import type { RunRecord } from './records';
import type { Digest } from '../protocol/types';

export interface DashboardData {
  now: string;
  refreshedAt?: string;
  routes: RouteView[];
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
}): DashboardData {
  const { observed } = input;
  return {
    now: input.now.toISOString(),
    refreshedAt: observed.refreshedAt,
    routes: input.routes,
    matrix: digestMatrix(input.digests),
    runs: input.runs,
    conflicts: observed.endpoints.filter((e) => e.conflicts && e.conflicts.items.length > 0).map((e) => ({ endpoint: e.url, ...e.conflicts! })),
    failures: observed.endpoints.filter((e) => e.failures && e.failures.items.length > 0).map((e) => ({ endpoint: e.url, ...e.failures! })),
    endpoints: observed.endpoints.map((e) => ({ url: e.url, readAt: e.readAt, error: e.error })),
    notObserved: observed.notObserved,
  };
}
