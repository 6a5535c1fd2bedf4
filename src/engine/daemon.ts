/**
 * The engine daemon: runs each scheduled route, and each distribution with a schedule, on its cron schedule
 * (croner); immediate and watch routes run as streaming routes (streamingRoute.ts).
 *
 *   tick ──lock held elsewhere──> skipped (another pass of this route is running, here or in another engine)
 *     └──lock taken──> pass S->T [and T->S] ──> released
 *                        └─ transient failure: the pass is run again with backoff (engine.passAttempts)
 *
 * A route never runs twice at once: croner's overrun protection inside a process, and a route lock across
 * processes (routeLock.ts). Each pass attempt is its own run (runName = route name, runStamp = its start).
 * stop() stops the schedules, asks running passes to stop once their current page is applied, waits for
 * them and releases the locks. A scheduled distribution (scope.ts) is locked the same way, by its name.
 */
import { Cron } from 'croner';
import { backOff } from 'exponential-backoff';
import type { Logger } from 'pino';
import type { DistributionConfig, EngineConfig, RouteConfig } from '../config/engineSchema';
import { engineClient, engineConnections, loggerDestinations, routeParties, type EngineConnections, type RouteParties } from './configured';
import { credentialOf } from './credentials';
import { describeError, isTransient } from './errors';
import { PassFailed, runPass, type PassSummary } from './pass';
import { routeKey, routeName } from './route';
import { inProcessLocks, postgresLocks, type RouteLocks } from './routeLock';
import { StreamingRoute } from './streamingRoute';
import { runScope } from './scope';

export type RouteRunOutcome =
  | { route: string; skipped: true }
  | { route: string; skipped: false; passes: PassSummary[]; failures: { source: string; target: string; error: string }[] };

export class RouteRunner {
  readonly name: string;
  private running: Promise<RouteRunOutcome> | undefined;
  private readonly parties: RouteParties;

  constructor(
    readonly route: RouteConfig,
    private readonly engine: EngineConfig,
    private readonly locks: RouteLocks,
    private readonly stopping: () => boolean,
    private readonly connections: EngineConnections,
    private readonly log?: Logger,
  ) {
    this.name = routeName(route);
    this.parties = routeParties(route, engine);
  }

  /** Runs the route now unless it is running (here or elsewhere). */
  async runOnce(): Promise<RouteRunOutcome> {
    if (this.running) return { route: this.name, skipped: true };
    this.running = this.run();
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  /** Resolves when the route's current run (if any) has ended. */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  private async run(): Promise<RouteRunOutcome> {
    const release = await this.locks.tryAcquire(routeKey(this.route));
    if (!release) {
      this.log?.debug({ route: this.name }, 'route is running elsewhere; skipped');
      return { route: this.name, skipped: true };
    }
    try {
      const legs: [string, string][] = [[this.route.source, this.route.target]];
      if (this.route.direction === 'bothWays') legs.push([this.route.target, this.route.source]);
      const passes: PassSummary[] = [];
      const failures: { source: string; target: string; error: string }[] = [];
      for (const [source, target] of legs) {
        if (this.stopping()) break;
        try {
          // Each pass writes its own line (pass.ts): route, outcome, counts, duration, request id.
          passes.push(await this.passWithRetries(source, target));
        } catch (err) {
          failures.push({ source, target, error: describeError(err) });
          this.log?.error({ route: this.name, source, target, err: describeError(err) }, 'pass failed');
        }
      }
      return { route: this.name, skipped: false, passes, failures };
    } finally {
      await release();
    }
  }

  private passWithRetries(source: string, target: string): Promise<PassSummary> {
    const e = this.engine;
    return backOff(
      () => {
        const client = engineClient(e, this.connections, { runName: this.name, runStamp: new Date().toISOString() }, this.log, this.parties.auth);
        return runPass({
          source,
          target,
          client,
          kinds: this.route.kinds,
          loggers: this.parties.loggers,
          postResults: this.route.postResults ?? e.postResults,
          pageSize: e.pageSize,
          shouldStop: this.stopping,
          route: this.name,
          log: this.log,
        });
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
    const summaries = await runScope(d, { client, loggers: loggerDestinations(engine.loggers), pageSize: engine.pageSize, log });
    for (const s of summaries) log?.info({ distribution: d.name, source: s.source, decision: s.decision, votes: s.targets.map((t) => `${t.target}: ${t.vote}, ${t.outcome}`) }, 'distribution ended');
  } finally {
    await release();
  }
}

export interface RunningEngine {
  runners: RouteRunner[];
  /** Immediate and watch routes. */
  streaming: StreamingRoute[];
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
  try {
    connections = engineConnections(engine);
    runners = engine.routes.filter((r) => r.mode === 'scheduled').map((r) => new RouteRunner(r, engine, locks, () => stopping, connections, log));
    streaming = engine.routes.filter((r) => r.mode !== 'scheduled').map((r) => new StreamingRoute(r, engine, locks, connections, log));
    // Read once, at start: a missing password variable stops the engine before anything runs.
    for (const d of engine.distributions) credentialOf(d.auth);
  } catch (err) {
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
  if (opts.runAtStart) for (const runner of runners) void runner.runOnce().catch((err) => log?.error({ route: runner.name, err: describeError(err) }, 'route run failed'));
  log?.info({ routes: engine.routes.map((r) => ({ name: routeName(r), mode: r.mode, schedule: r.mode === 'watch' ? undefined : r.schedule, direction: r.direction })) }, 'engine started');
  return {
    runners,
    streaming,
    async stop() {
      stopping = true;
      for (const job of jobs) job.stop();
      await Promise.all([...runners.map((r) => r.idle()), ...streaming.map((r) => r.stop()), ...[...runningDistributions].map((p) => p.catch(() => undefined))]);
      await locks.close();
      log?.info('engine stopped');
    },
  };
}
