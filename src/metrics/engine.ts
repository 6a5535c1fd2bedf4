/**
 * The engine's metrics, by route (its configured name: bounded by the configuration):
 *   sdata_route_passes_total, sdata_route_pass_duration_seconds   every pass and push that ended, by kind
 *                                                                  (pass | push) and outcome (done | cut | failed)
 *   sdata_route_lag_ticks                 changes of the sources not at the targets yet (routeLag.ts), read
 *                                         at scrape time; absent while it cannot be told
 *   sdata_route_seconds_since_success     since a pass or push of the route last succeeded
 *   sdata_route_running                   1 while a run of the route is going on (scheduled routes)
 *   sdata_engine_result_posts_dropped_total  result posts given up, by destination (a logger's or a source's
 *                                         `$syncResults` URL, without query: bounded by the configuration) and
 *                                         reason (overflow: the queue of a destination that is down was full;
 *                                         refused: the destination answered a 4xx)
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { serviceRegistry } from './registry';

export type PassKind = 'pass' | 'push';
export type PassOutcome = 'done' | 'cut' | 'failed';

/** Told of every pass and push that ended (the engine's metrics). */
export type PassListener = (route: string, kind: PassKind, outcome: PassOutcome, seconds: number) => void;

/** Why a result post was given up: its destination's queue was full, or the destination refused it (4xx). */
export type DropReason = 'overflow' | 'refused';
export type DropListener = (destination: string, reason: DropReason) => void;

/** What the scrape-time gauges read of a route. */
export interface RouteGauges {
  name: string;
  lagTicks(): Promise<number | undefined>;
  secondsSinceSuccess(): number;
  running(): boolean;
}

/** Seconds: from an empty pass (10 ms) to a long catch-up (an hour). */
const BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

export class EngineMetrics {
  readonly registry: Registry = serviceRegistry('engine');
  private readonly passes = new Counter({ name: 'sdata_route_passes_total', help: 'Passes and pushes that ended, by route, kind (pass | push) and outcome (done | cut | failed)', labelNames: ['route', 'kind', 'outcome'], registers: [this.registry] });
  private readonly durations = new Histogram({ name: 'sdata_route_pass_duration_seconds', help: 'Duration of passes and pushes, by route, kind and outcome', labelNames: ['route', 'kind', 'outcome'], buckets: BUCKETS, registers: [this.registry] });

  private readonly dropped = new Counter({ name: 'sdata_engine_result_posts_dropped_total', help: 'Result posts to event loggers (or sources) given up, by destination and reason (overflow | refused)', labelNames: ['destination', 'reason'], registers: [this.registry] });

  readonly resultPostDropped: DropListener = (destination, reason) => {
    this.dropped.inc({ destination, reason });
  };

  readonly passEnded: PassListener = (route, kind, outcome, seconds) => {
    this.passes.inc({ route, kind, outcome });
    this.durations.observe({ route, kind, outcome }, seconds);
  };

  /** Registers the scrape-time gauges of the engine's routes. */
  watch(routes: readonly RouteGauges[]): void {
    new Gauge({
      name: 'sdata_route_lag_ticks',
      help: "Ticks of the route's sources not incorporated by its targets (source's own tick minus the target digest's entry for it), summed over its kinds and directions",
      labelNames: ['route'],
      registers: [this.registry],
      async collect() {
        const lags = await Promise.all(routes.map((r) => r.lagTicks()));
        this.reset();
        routes.forEach((r, i) => {
          if (lags[i] !== undefined) this.set({ route: r.name }, lags[i]!);
        });
      },
    });
    new Gauge({
      name: 'sdata_route_seconds_since_success',
      help: 'Seconds since a pass or push of the route last succeeded (since the engine started, before the first)',
      labelNames: ['route'],
      registers: [this.registry],
      collect() {
        for (const r of routes) this.set({ route: r.name }, r.secondsSinceSuccess());
      },
    });
    new Gauge({
      name: 'sdata_route_running',
      help: 'Whether a run of the route is going on (1) or not (0)',
      labelNames: ['route'],
      registers: [this.registry],
      collect() {
        for (const r of routes) this.set({ route: r.name }, r.running() ? 1 : 0);
      },
    });
  }
}
