/**
 * What the logger knows of sync health beyond its run records: the observer of the endpoints those records
 * name (observer.ts), the engine listeners it is given (engines.ts), the routes view over both (routeViews.ts), and the alert rules evaluated on it
 * (alerting.ts) after every run post and every observer refresh.
 */
import type { Logger } from 'pino';
import type { LoggerConfig } from '../config/engineSchema';
import type { XmlLimits } from '../config/xmlLimits';
import { authorizationOf, credentialOf } from '../security/credentials';
import type { Db } from '../store/db';
import { Alerting, type AlertsPanel, type PostAlert } from './alerting';
import type { RouteFacts } from './alertRules';
import { EndpointObserver } from './observer';
import { EngineWatch } from './engines';
import { endpointsOfRun, routeViews, type RouteView } from './routeViews';
import { latestRunPerRoute } from './store';
import type { RunKey } from './records';

/** Routes the logger shows and evaluates at most (the latest run of each). */
export const MAX_ROUTES = 1000;

export interface MonitorOptions {
  db: Db;
  cfg: LoggerConfig;
  baseUrl: () => string;
  postAlert: PostAlert;
  log?: Logger;
  xmlLimits?: XmlLimits;
}

export class LoggerMonitor {
  readonly observer: EndpointObserver;
  /** The engine listeners of logger.engines, read for the dashboard's routes by name. */
  readonly engines: EngineWatch;
  private readonly alerting: Alerting;

  constructor(private readonly opts: MonitorOptions) {
    const credential = credentialOf(opts.cfg.observe.auth);
    this.observer = new EndpointObserver({
      cfg: opts.cfg.observe,
      endpoints: async () => (await latestRunPerRoute(opts.db, MAX_ROUTES)).flatMap(endpointsOfRun),
      authorization: credential && authorizationOf(credential),
      xmlLimits: opts.xmlLimits,
      onRefresh: () => this.evaluate(),
      log: opts.log,
    });
    this.engines = new EngineWatch(opts.cfg, credential && authorizationOf(credential), opts.log);
    this.alerting = new Alerting(opts.cfg.alerts, opts.baseUrl, opts.postAlert, opts.log);
  }

  start(): void {
    this.observer.start();
    this.engines.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.observer.stop(), this.engines.stop()]);
  }

  async routes(now = new Date()): Promise<RouteView[]> {
    return routeViews(await latestRunPerRoute(this.opts.db, MAX_ROUTES), this.observer.digests(), now);
  }

  /** The firing alerts and the latest posted, for the dashboard. */
  alerts(): AlertsPanel {
    return this.alerting.panel();
  }

  /** Evaluates the alert rules on every route; `posted` is a run that just reported conflicts. */
  async evaluate(posted?: { run: RunKey; conflicts: number }): Promise<void> {
    if (!this.alerting.enabled) return;
    const open = new Map(this.observer.snapshot().endpoints.filter((e) => e.conflicts).map((e) => [e.url, e.conflicts!.total] as const));
    const facts: RouteFacts[] = (await this.routes()).map((route) => ({
      route,
      openConflictsAtTarget: open.get(route.target),
      postedConflicts:
        posted !== undefined && posted.conflicts > 0 && posted.run.source === route.source && posted.run.target === route.target && posted.run.kind === route.kind,
    }));
    this.alerting.evaluate(facts);
  }
}
