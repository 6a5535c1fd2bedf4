/**
 * The logger's alert rules at work: for every rule and route an episode (alertEpisode.ts) fed with the
 * rule's condition (alertRules.ts) each time the routes are evaluated — when a run post arrives and when the
 * observer has read the endpoints again — and one webhook post per transition that says so:
 *
 *   { logger, alert: { name, when, ticks | seconds, state: firing | recovered, value,
 *                      route: { source, target, kind }, run: { id, runName, state } }, at }
 *
 * Episodes are kept for the routes the logger knows (bounded by the routes view's limit). The dashboard's
 * alerts panel reads the firing ones (open) and the latest RECENT_ALERTS posts, newest first (recent).
 */
import type { Logger } from 'pino';
import type { AlertRule } from '../config/engineSchema';
import { nextEpisode, type EpisodePost, type EpisodeState } from './alertEpisode';
import { conditionOf, thresholdOf, type RouteFacts } from './alertRules';
import type { RouteView } from './routeViews';

export interface AlertPost {
  logger: string;
  alert: {
    name: string;
    when: AlertRule['when'];
    ticks?: number;
    seconds?: number;
    state: EpisodePost;
    value?: number | string;
    route: { source: string; target: string; kind: string };
    run: { id: number; runName: string; state: string };
  };
  at: string;
}

export type PostAlert = (post: AlertPost) => void;

const routeKey = (r: RouteView): string => `${r.source} ${r.target} ${r.kind}`;

/** Posts the alerts panel keeps (in memory, since the logger started). */
export const RECENT_ALERTS = 50;

export interface AlertsPanel {
  /** The firing episodes: the post that opened each, oldest first. */
  open: AlertPost[];
  /** The latest posts, firing and recovered, newest first. */
  recent: AlertPost[];
}

export class Alerting {
  private readonly episodes = new Map<string, EpisodeState>();
  private readonly opened = new Map<string, AlertPost>();
  private readonly recent: AlertPost[] = [];

  constructor(
    private readonly rules: readonly AlertRule[],
    private readonly loggerUrl: () => string,
    private readonly post: PostAlert,
    private readonly log?: Logger,
  ) {}

  get enabled(): boolean {
    return this.rules.length > 0;
  }

  /** Feeds every rule's episode of every route one observation; posts the transitions. */
  evaluate(facts: readonly RouteFacts[], now = new Date()): AlertPost[] {
    const posted: AlertPost[] = [];
    const live = new Set<string>();
    for (const f of facts) {
      for (const rule of this.rules) {
        const key = `${rule.name} ${routeKey(f.route)}`;
        live.add(key);
        const condition = conditionOf(rule, f);
        const step = nextEpisode(this.episodes.get(key) ?? 'ok', condition.holds);
        this.episodes.set(key, step.state);
        if (!step.post) continue;
        const { source, target, kind, lastRun } = f.route;
        const p: AlertPost = {
          logger: this.loggerUrl(),
          alert: {
            name: rule.name,
            when: rule.when,
            ...thresholdOf(rule),
            state: step.post,
            value: condition.value,
            route: { source, target, kind },
            run: { id: lastRun.id, runName: lastRun.runName, state: lastRun.state },
          },
          at: now.toISOString(),
        };
        this.log?.info({ alert: p.alert.name, state: p.alert.state, source, target, kind }, 'alert');
        if (step.post === 'firing') this.opened.set(key, p);
        else this.opened.delete(key);
        this.recent.unshift(p);
        this.recent.length = Math.min(this.recent.length, RECENT_ALERTS);
        this.post(p);
        posted.push(p);
      }
    }
    // Routes no longer listed (retention deleted their runs) leave no episode behind.
    for (const key of this.episodes.keys()) {
      if (live.has(key)) continue;
      this.episodes.delete(key);
      this.opened.delete(key);
    }
    return posted;
  }

  /** What the dashboard's alerts panel shows. */
  panel(): AlertsPanel {
    return { open: [...this.opened.values()], recent: [...this.recent] };
  }
}
