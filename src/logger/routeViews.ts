/**
 * What the logger says of each route (source, target, kind), from the latest run records and the digests
 * its observer read: the last run's state and counts, the lag in ticks (protocol/lag.ts; unknown until both
 * digests were read) and the seconds since the route's last done run. Pure. A failed application-level record
 * leaves the view once a kind of that route has run since.
 */
import { lagInTicks } from '../protocol/lag';
import type { Digest } from '../protocol/types';
import type { LatestRun, RunState } from './records';

export interface RouteView {
  source: string;
  target: string;
  kind: string;
  lastRun: {
    id: number;
    runName: string;
    state: RunState;
    startedAt: string;
    lastReceivedAt: string;
    entriesRead: number;
    created: number;
    updated: number;
    deleted: number;
    conflicts: number;
    failed: number;
    skipped: number;
  };
  /** Ticks of the source the target has not got; undefined while a digest is unknown. */
  lagTicks?: number;
  lastSuccessAt?: string;
  /** Seconds since the last done run ended; undefined when none is done. */
  secondsSinceSuccess?: number;
}

/** The endpoints a run record names: its source and its target(s) (a distribution's are space-separated). */
export function endpointsOfRun(r: { source: string; target: string }): string[] {
  return [r.source, ...r.target.split(' ')].filter((u) => u !== '');
}

/**
 * A record of an application pair (kind empty: the engine could not read the kinds of a route given by
 * application URLs) stands for that route until a run of one of its kinds starts after it.
 */
function supersededByItsKinds(r: LatestRun, latest: readonly LatestRun[]): boolean {
  if (r.kind !== '') return false;
  return latest.some((k) => k !== r && k.source.startsWith(`${r.source}/`) && k.target.startsWith(`${r.target}/`) && k.startedAt > r.startedAt);
}

export function routeViews(latest: readonly LatestRun[], digests: ReadonlyMap<string, Digest>, now: Date): RouteView[] {
  return latest.filter((r) => !supersededByItsKinds(r, latest)).map((r) => {
    const sourceDigest = digests.get(r.source);
    const targetDigest = digests.get(r.target);
    const view: RouteView = {
      source: r.source,
      target: r.target,
      kind: r.kind,
      lastRun: {
        id: r.id,
        runName: r.runName,
        state: r.state,
        startedAt: r.startedAt,
        lastReceivedAt: r.lastReceivedAt,
        entriesRead: r.entriesRead,
        created: r.created,
        updated: r.updated,
        deleted: r.deleted,
        conflicts: r.conflicts,
        failed: r.failed,
        skipped: r.skipped,
      },
    };
    // A digest names its endpoint by the endpoint's own URL (its origin), which may differ from the URL the
    // engine reaches it by (localhost and 127.0.0.1, a proxy): the target's entry is under the former.
    if (sourceDigest && targetDigest) view.lagTicks = lagInTicks(sourceDigest.origin ?? r.source, sourceDigest, targetDigest);
    if (r.lastSuccessAt !== undefined) {
      view.lastSuccessAt = r.lastSuccessAt;
      view.secondsSinceSuccess = Math.max(0, Math.round((now.getTime() - new Date(r.lastSuccessAt).getTime()) / 1000));
    }
    return view;
  });
}
