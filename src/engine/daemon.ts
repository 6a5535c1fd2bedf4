/**
 * The engine daemon: runs each scheduled route, and each distribution with a schedule, on its cron schedule
 * (croner); immediate and watch routes run as streaming routes (streamingRoute.ts).
 *
 *   tick or POST $run ──running here, or lock held elsewhere──> skipped (the $run answers 409)
 *     └──lock taken──> running: pass S->T [and T->S] ──> released ──> done | failed (routeActivity.ts)
 *                        └─ transient failure: the pass is run again with backoff (engine.passAttempts)
 *
 * A route never runs twice at once: croner's overrun protection inside a process, and a route lock across
 * processes (routeLock.ts). Each pass attempt is its own run (runName = route name, runStamp = its start).
 * stop() stops the schedules, asks running passes to stop once their current page is applied, waits for
 * them and releases the locks. A scheduled distribution (scope.ts) is locked the same way, by its name.
 */
import { performance } from 'node:perf_hooks';
import { Cron } from 'croner';
import { backOff } from 'exponential-backoff';
import type { Logger } from 'pino';
import type { DistributionConfig, EngineConfig, RouteConfig } from '../config/engineSchema';
import { engineClient, engineConnections, loggerDestinations, routeParties, type EngineConnections, type RouteParties } from './configured';
import { credentialOf } from '../security/credentials';
import { describeError, isTransient } from './errors';
import { PassFailed, runPass, type PassSummary } from './pass';
import { routeKey, routeName } from './route';
import { inProcessLocks, postgresLocks, type Release, type RouteLocks } from './routeLock';
import { RouteActivity, type RouteRun, type RunTrigger } from './routeActivity';
import { RouteLag } from './routeLag';
import { EngineMetrics } from '../metrics/engine';
import { ResultOutbox } from './resultOutbox';
import { StreamingRoute } from './streamingRoute';
import { runScope } from './scope';

type RouteRunOutcome =
  | { route: string; skipped: true }
  | { route: string; skipped: false; passes: PassSummary[]; failures: { source: string; target: string; error: string }[] };

/** A run just started, and its end. */
interface StartedRun {
  run: RouteRun;
  finished: Promise<RouteRunOutcome>;
}

class RouteRunner {
  readonly name: string;
  private busy = false;
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

  /**
   * Starts a run of the route now, unless it is running here or its lock is held elsewhere (undefined).
   * Resolves once the lock is taken, with the run's record; `finished` resolves when the run has ended.
   */
  async start(trigger: RunTrigger): Promise<StartedRun | undefined> {
    // Set before the first await: a second start meanwhile sees the route busy.
    if (this.busy || this.stopping()) return undefined;
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
        try {
          const summary = await runPass({
            source,
            target,
            client,
            kinds: this.route.kinds,
            loggers: this.parties.loggers,
            outbox: this.connections.outbox,
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

/** Runs a scheduled distribution unless it is running (here or in another engine sharing the locks). */
async function runScheduledDistribution(d: DistributionConfig, engine: EngineConfig, locks: RouteLocks, connections: EngineConnections, log?: Logger): Promise<void> {
  const release = await locks.tryAcquire(JSON.stringify({ distribution: d.name }));
  if (!release) return;
  try {
    const client = engineClient(engine, connections, { runName: d.name, runStamp: new Date().toISOString() }, log, credentialOf(d.auth));
    const summaries = await runScope(d, { client, loggers: loggerDestinations(engine.loggers), outbox: connections.outbox, pageSize: engine.pageSize, log });
    for (const s of summaries) log?.info({ distribution: d.name, source: s.source, decision: s.decision, votes: s.targets.map((t) => `${t.target}: ${t.vote}, ${t.outcome}`) }, 'distribution ended');
  } finally {
    await release();
  }
}

/** A configured route as the engine's HTTP listener and metrics see it. */
export interface EngineRoute {
  name: string;
  config: RouteConfig;
  activity: RouteActivity;
  lag: RouteLag;
  /** A scheduled route's runner (what `POST /routes/{name}/$run` starts); undefined for immediate and watch routes. */
  runner?: RouteRunner;
}

export interface RunningEngine {
  runners: RouteRunner[];
  /** Immediate and watch routes. */
  streaming: StreamingRoute[];
  /** Every route, in configuration order. */
  routes: EngineRoute[];
  metrics: EngineMetrics;
  /** Stops the schedules, lets running pages finish, releases the locks. */
  stop(): Promise<void>;
}

export interface StartEngineOptions {
  log?: Logger;
  /** Route locks to use (default: PostgreSQL advisory locks with engine.databaseUrl, else in-process). */
  locks?: RouteLocks;
  /** Run every route once at start, before its first scheduled time. */
  runAtStart?: boolean;
}

export async function startEngine(engine: EngineConfig, opts: StartEngineOptions = {}): Promise<RunningEngine> {
  const log = opts.log;
  const locks = opts.locks ?? (engine.databaseUrl ? await postgresLocks(engine.databaseUrl, log) : inProcessLocks());
  if (!opts.locks && !engine.databaseUrl && engine.routes.length > 0) {
    log?.info('engine.databaseUrl is not set: route locks hold within this process only (run one engine, or give a PostgreSQL URL)');
  }
  let stopping = false;
  let runners: RouteRunner[];
  let streaming: StreamingRoute[];
  let connections: EngineConnections;
  let routes: EngineRoute[];
  let outbox: ResultOutbox | undefined;
  const metrics = new EngineMetrics();
  try {
    outbox = new ResultOutbox({ capacity: engine.loggerQueueSize, retry: engine.retry, onDropped: metrics.resultPostDropped, log });
    connections = { ...engineConnections(engine), outbox };
    const activity = (r: RouteConfig) => new RouteActivity(routeName(r), metrics.passEnded);
    runners = engine.routes.filter((r) => r.mode === 'scheduled').map((r) => new RouteRunner(r, engine, locks, () => stopping, connections, log, activity(r)));
    streaming = engine.routes.filter((r) => r.mode !== 'scheduled').map((r) => new StreamingRoute(r, engine, locks, connections, log, activity(r)));
    routes = [...runners, ...streaming]
      .map((r) => ({ name: r.name, config: r.route, activity: r.activity, lag: new RouteLag(r.route, engine, connections, routeParties(r.route, engine).auth), runner: r instanceof RouteRunner ? r : undefined }))
      .sort((a, b) => engine.routes.indexOf(a.config) - engine.routes.indexOf(b.config));
    metrics.watch(routes.map((r) => ({ name: r.name, lagTicks: () => r.lag.ticks(), secondsSinceSuccess: () => r.activity.secondsSinceSuccess(), running: () => r.activity.isRunning() })));
    // Read once, at start: a missing password variable stops the engine before anything runs.
    for (const d of engine.distributions) credentialOf(d.auth);
  } catch (err) {
    outbox?.close();
    await locks.close();
    throw err;
  }
  for (const route of streaming) route.start();
  const jobs = runners.map(
    (runner) =>
      new Cron(runner.route.schedule, { protect: true, catch: (err: unknown) => log?.error({ route: runner.name, err: describeError(err) }, 'route run failed') }, async () => {
        await runner.runOnce();
      }),
  );
  const runningDistributions = new Set<Promise<void>>();
  const distributionJobs = engine.distributions
    .filter((d) => d.schedule)
    .map(
      (d) =>
        new Cron(d.schedule!, { protect: true, catch: (err: unknown) => log?.error({ distribution: d.name, err: describeError(err) }, 'distribution failed') }, async () => {
          if (stopping) return;
          const run = runScheduledDistribution(d, engine, locks, connections, log);
          runningDistributions.add(run);
          try {
            await run;
          } finally {
            runningDistributions.delete(run);
          }
        }),
    );
  jobs.push(...distributionJobs);
  if (opts.runAtStart) for (const runner of runners) void runner.runOnce('start').catch((err) => log?.error({ route: runner.name, err: describeError(err) }, 'route run failed'));
  log?.info({ routes: engine.routes.map((r) => ({ name: routeName(r), mode: r.mode, schedule: r.mode === 'watch' ? undefined : r.schedule, direction: r.direction })) }, 'engine started');
  return {
    runners,
    streaming,
    routes,
    metrics,
    async stop() {
      stopping = true;
      for (const job of jobs) job.stop();
      await Promise.all([...runners.map((r) => r.idle()), ...streaming.map((r) => r.stop()), ...[...runningDistributions].map((p) => p.catch(() => undefined))]);
      // What a logger that is down still misses is not delivered after the engine stopped.
      outbox!.close();
      await locks.close();
      log?.info('engine stopped');
    },
  };
}
