/**
 * The condition of each kind of alert rule for one route, from the route's view (routeViews.ts) and what the
 * observer knows of its target. Pure; undefined when the condition cannot be told yet.
 *
 *   routeBehind, ticks N    the target lacks more than N ticks of the source (lag in ticks > N)
 *   routeBehind, seconds M  more than M seconds since the route's last done run (unknown before one is done)
 *   passFailed              the route's latest run failed
 *   newConflict             the target holds open conflicts, or the latest run reported conflicts
 */
import type { AlertRule } from '../config/engineSchema';
import type { RouteView } from './routeViews';

export interface RouteFacts {
  route: RouteView;
  /** Open conflicts at the route's target as last read; undefined when never read. */
  openConflictsAtTarget?: number;
  /** A run post of this route just reported conflicts (they may be open before the observer reads them). */
  postedConflicts?: boolean;
}

export interface Condition {
  holds: boolean | undefined;
  /** The measured value, for the alert's message. */
  value?: number | string;
}

export function conditionOf(rule: AlertRule, f: RouteFacts): Condition {
  switch (rule.when) {
    case 'routeBehind':
      if ('ticks' in rule) return f.route.lagTicks === undefined ? { holds: undefined } : { holds: f.route.lagTicks > rule.ticks, value: f.route.lagTicks };
      // A route with no run done yet has no age to measure (a failed first run is passFailed's).
      return f.route.secondsSinceSuccess === undefined ? { holds: undefined } : { holds: f.route.secondsSinceSuccess > rule.seconds, value: f.route.secondsSinceSuccess };
    case 'passFailed':
      return { holds: f.route.lastRun.state === 'failed', value: f.route.lastRun.state };
    case 'newConflict': {
      if (f.postedConflicts) return { holds: true, value: f.openConflictsAtTarget ?? f.route.lastRun.conflicts };
      if (f.openConflictsAtTarget === undefined) return { holds: undefined };
      return { holds: f.openConflictsAtTarget > 0, value: f.openConflictsAtTarget };
    }
  }
}

/** The threshold a rule names, for the alert's message. */
export function thresholdOf(rule: AlertRule): { ticks?: number; seconds?: number } {
  if ('ticks' in rule) return { ticks: rule.ticks };
  if ('seconds' in rule) return { seconds: rule.seconds };
  return {};
}
