/**
 * The engine daemon's start-up and stop: from the engine configuration it takes the route locks, builds a
 * runner per scheduled route (routeRunner.ts) and runs it on its cron schedule (croner, with overrun
 * protection), starts each immediate and watch route (streamingRoute.ts), runs each distribution with a
 * schedule (scope.ts, locked like a route, by its name), and gives the routes to the listener and metrics.
 * stop() stops the schedules, asks running passes to stop once their current page is applied, waits for
 * them and releases the locks.
 */
import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { DistributionConfig, EngineConfig, RouteConfig } from '../config/engineSchema';
import { engineClient, engineConnections, loggerDestinations, routeParties, type EngineConnections } from './configured';
import { credentialOf } from '../security/credentials';
import { describeError } from './errors';
import { routeName } from './route';
import { inProcessLocks, postgresLocks, type RouteLocks } from './routeLock';
import { RouteActivity } from './routeActivity';
import { RouteLag } from './routeLag';
import { RouteRunner } from './routeRunner';
import { EngineMetrics } from '../metrics/engine';
import { ResultOutbox } from './resultOutbox';
import { StreamingRoute } from './streamingRoute';
import { runScope } from './scope';

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
      // The last passes' posts are delivered first (their passes did not wait for them); what a logger that
      // is down still misses is not delivered after the engine stopped.
      await outbox!.drain();
      outbox!.close();
      await locks.close();
      log?.info('engine stopped');
    },
  };
}
