/**
 * The runner of one scheduled route (engine.routes[].mode `scheduled`): a run takes the route's lock, runs
 * the pass S->T [and T->S for bothWays], each pass tried again with backoff when it fails transiently
 * (engine.passAttempts), and releases the lock. daemon.ts starts runs on the route's cron schedule, the
 * engine's listener on `POST /routes/{name}/$run`.
 *
 *   idle ──start (schedule, engine start or POST $run)──> taking the lock
 *     ├──running here already, engine stopping, or lock held elsewhere──> skipped (a $run answers 409)
 *     └──lock taken──> running: pass S->T [and T->S], each followed by the delivery of its results to the
 *                        loggers (or their queue waiting for a logger that is down) ──> lock released ──> idle
 *                        (the run done | failed, routeActivity.ts)
 *                        └─ transient failure: the pass is run again with backoff (engine.passAttempts)
 *
 * Paused (POST /routes/{name}/$pause, until $resume): its schedule starts no run; a run going on ends as
 * usual, and a run asked for by name ($run) still starts. In memory: an engine starts every route unpaused.
 *
 *   unpaused ──$pause──> paused (schedule skipped) ──$resume──> unpaused
 *
 * A route never runs twice at once: the busy flag (and croner's overrun protection) inside a process, and a
 * route lock across processes (routeLock.ts). Each pass attempt is its own run (runName = route name,
 * runStamp = its start). Once the engine is stopping, no run starts and a running one stops after the page
 * it is applying; idle() waits for it.
 */
import { performance } from 'node:perf_hooks';
import { backOff } from 'exponential-backoff';
import type { Logger } from 'pino';
import type { EngineConfig, RouteConfig } from '../config/engineSchema';
import { engineClient, routeParties, type EngineConnections, type RouteParties } from './configured';
import { describeError, isTransient } from './errors';
import { PassFailed, runPass, type PassSummary } from './pass';
import { routeKey, routeName } from './route';
import type { Release, RouteLocks } from './routeLock';
import { RouteActivity, type RouteRun, type RunTrigger } from './routeActivity';

type RouteRunOutcome =
  | { route: string; skipped: true }
  | { route: string; skipped: false; passes: PassSummary[]; failures: { source: string; target: string; error: string }[] };

/** A run just started, and its end. */
interface StartedRun {
  run: RouteRun;
  finished: Promise<RouteRunOutcome>;
}

export class RouteRunner {
  readonly name: string;
  private busy = false;
  private pausedSince: string | undefined;
  private running: Promise<RouteRunOutcome> | undefined;
  private readonly parties: RouteParties;

  constructor(
    readonly route: RouteConfig,
    private readonly engine: EngineConfig,
    private readonly locks: RouteLocks,
    private readonly stopping: () => boolean,
    private readonly connections: EngineConnections,
    private readonly log?: Logger,
    readonly activity = new RouteActivity(routeName(route)),
  ) {
    this.name = routeName(route);
    this.parties = routeParties(route, engine);
  }

  /** When the route was paused; undefined while it runs on its schedule. */
  get paused(): string | undefined {
    return this.pausedSince;
  }

  /** Its schedule starts no run until resume(); true when it was not paused already. */
  pause(): boolean {
    if (this.pausedSince !== undefined) return false;
    this.pausedSince = new Date().toISOString();
    this.log?.info({ route: this.name }, 'route paused');
    return true;
  }

  /** Its schedule starts runs again; true when it was paused. */
  resume(): boolean {
    if (this.pausedSince === undefined) return false;
    this.pausedSince = undefined;
    this.log?.info({ route: this.name }, 'route resumed');
    return true;
  }

  /**
   * Starts a run of the route now, unless it is running here or its lock is held elsewhere (undefined), or
   * the schedule asks while the route is paused.
   * Resolves once the lock is taken, with the run's record; `finished` resolves when the run has ended.
   */
  async start(trigger: RunTrigger): Promise<StartedRun | undefined> {
    // Set before the first await: a second start meanwhile sees the route busy.
    if (this.busy || this.stopping() || (trigger === 'schedule' && this.pausedSince !== undefined)) return undefined;
    this.busy = true;
    let release: Release | undefined;
    try {
      release = await this.locks.tryAcquire(routeKey(this.route));
    } finally {
      if (!release) this.busy = false;
    }
    if (!release) {
      this.log?.debug({ route: this.name }, 'route is running elsewhere; skipped');
      return undefined;
    }
    if (this.stopping()) {
      // stop() came while the lock was being taken: it does not wait for a run that starts now.
      await release();
      this.busy = false;
      return undefined;
    }
    const run = this.activity.begin(trigger);
    const finished = this.runLegs(run).finally(async () => {
      try {
        await release();
      } finally {
        this.busy = false;
        this.running = undefined;
        this.activity.end(run);
      }
    });
    this.running = finished;
    return { run, finished };
  }

  /** Runs the route now unless it is running (here or elsewhere). */
  async runOnce(trigger: RunTrigger = 'schedule'): Promise<RouteRunOutcome> {
    const started = await this.start(trigger);
    if (!started) return { route: this.name, skipped: true };
    return started.finished;
  }

  /** Resolves when the route's current run (if any) has ended. */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  private async runLegs(run: RouteRun): Promise<RouteRunOutcome> {
    const legs: [string, string][] = [[this.route.source, this.route.target]];
    if (this.route.direction === 'bothWays') legs.push([this.route.target, this.route.source]);
    const passes: PassSummary[] = [];
    const failures: { source: string; target: string; error: string }[] = [];
    for (const [source, target] of legs) {
      if (this.stopping()) break;
      try {
        const summary = await this.passWithRetries(run, source, target);
        // Each pass writes its own line (pass.ts): route, outcome, counts, duration, request id.
        passes.push(summary);
      } catch (err) {
        failures.push({ source, target, error: describeError(err) });
        this.log?.error({ route: this.name, source, target, err: describeError(err) }, 'pass failed');
      }
    }
    return { route: this.name, skipped: false, passes, failures };
  }

  private passWithRetries(run: RouteRun, source: string, target: string): Promise<PassSummary> {
    const e = this.engine;
    return backOff(
      async () => {
        const runStamp = new Date().toISOString();
        const pass = this.activity.passStarted(run, source, target, runStamp);
        const started = performance.now();
        const client = engineClient(e, this.connections, { runName: this.name, runStamp }, this.log, this.parties.auth);
        const delivered: Promise<void>[] = [];
        try {
          const summary = await runPass({
            source,
            target,
            client,
            kinds: this.route.kinds,
            loggers: this.parties.loggers,
            outbox: this.connections.outbox,
            delivered,
            postResults: this.route.postResults ?? e.postResults,
            pageSize: e.pageSize,
            shouldStop: this.stopping,
            onProgress: this.activity.progressOf(run),
            route: this.name,
            log: this.log,
          });
          this.activity.passEnded(pass, summary.state, (performance.now() - started) / 1000);
          return summary;
        } catch (err) {
          this.activity.passEnded(pass, 'failed', (performance.now() - started) / 1000, describeError(err));
          throw err;
        } finally {
          // The next attempt or pass (and, after the last, the route's lock) waits until the loggers have this
          // one's results (its posts did not hold up the pass itself): no later pass of the route, in this
          // engine or another, reaches them before this one's last.
          await Promise.all(delivered);
        }
      },
      {
        numOfAttempts: e.passAttempts,
        startingDelay: e.retry.startingDelayMillis,
        maxDelay: e.retry.maxDelayMillis,
        jitter: 'full',
        // Called after every failed attempt, the last one included (`failed` attempts so far).
        retry: (err: unknown, failed: number) => {
          const again = failed < e.passAttempts && err instanceof PassFailed && isTransient(err.cause) && !this.stopping();
          if (again) this.log?.warn({ route: this.name, source, target, attempt: failed + 1, err: describeError(err) }, 'pass failed transiently; running it again');
          return again;
        },
      },
    );
  }
}
