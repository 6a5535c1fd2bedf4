/**
 * The engine daemon: runs each configured route on its cron schedule (croner).
 *
 *   tick ──lock held elsewhere──> skipped (another pass of this route is running, here or in another engine)
 *     └──lock taken──> pass S->T [and T->S] ──> released
 *                        └─ transient failure: the pass is run again with backoff (engine.passAttempts)
 *
 * A route never runs twice at once: croner's overrun protection inside a process, and a route lock across
 * processes (routeLock.ts). Each pass attempt is its own run (runName = route name, runStamp = its start).
 * stop() stops the schedules, asks running passes to stop once their current page is applied, waits for
 * them and releases the locks.
 */
import { Cron } from 'croner';
import { backOff } from 'exponential-backoff';
import type { Logger } from 'pino';
import type { EngineConfig, RouteConfig } from '../config/engineSchema';
import { engineClient, engineConnections, loggerDestinations, type EngineConnections } from './configured';
import { credentialOf, type Credential } from './credentials';
import { describeError, isTransient } from './errors';
import { PassFailed, runPass, type PassSummary } from './pass';
import type { LoggerDestination } from './report';
import { routeKey, routeName } from './route';
import { inProcessLocks, postgresLocks, type RouteLocks } from './routeLock';

export type RouteRunOutcome =
  | { route: string; skipped: true }
  | { route: string; skipped: false; passes: PassSummary[]; failures: { source: string; target: string; error: string }[] };

export class RouteRunner {
  readonly name: string;
  private running: Promise<RouteRunOutcome> | undefined;
  private readonly auth: Credential | undefined;
  private readonly loggers: LoggerDestination[];

  constructor(
    readonly route: RouteConfig,
    private readonly engine: EngineConfig,
    private readonly locks: RouteLocks,
    private readonly stopping: () => boolean,
    private readonly connections: EngineConnections,
    private readonly log?: Logger,
  ) {
    this.name = routeName(route);
    // Read once, at start: a missing password variable stops the engine before any pass.
    this.auth = credentialOf(route.auth);
    this.loggers = loggerDestinations(route.loggers ?? engine.loggers);
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
          const summary = await this.passWithRetries(source, target);
          passes.push(summary);
          // A pass that moved nothing is routine: logged at debug, so an idle engine's log stays quiet.
          this.log?.[summary.entries > 0 ? 'info' : 'debug']({ route: this.name, ...withoutKinds(summary) }, 'pass ended');
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
        const client = engineClient(e, this.connections, { runName: this.name, runStamp: new Date().toISOString() }, this.log, this.auth);
        return runPass({
          source,
          target,
          client,
          kinds: this.route.kinds,
          loggers: this.loggers,
          postResults: this.route.postResults ?? e.postResults,
          pageSize: e.pageSize,
          shouldStop: this.stopping,
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

function withoutKinds(s: PassSummary): Omit<PassSummary, 'kinds'> {
  const { kinds: _kinds, ...rest } = s;
  return rest;
}

export interface RunningEngine {
  runners: RouteRunner[];
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
  try {
    const connections = engineConnections(engine);
    runners = engine.routes.map((r) => new RouteRunner(r, engine, locks, () => stopping, connections, log));
  } catch (err) {
    await locks.close();
    throw err;
  }
  const jobs = runners.map(
    (runner) =>
      new Cron(runner.route.schedule, { protect: true, catch: (err: unknown) => log?.error({ route: runner.name, err: describeError(err) }, 'route run failed') }, async () => {
        await runner.runOnce();
      }),
  );
  if (opts.runAtStart) for (const runner of runners) void runner.runOnce().catch((err) => log?.error({ route: runner.name, err: describeError(err) }, 'route run failed'));
  log?.info({ routes: runners.map((r) => ({ name: r.name, schedule: r.route.schedule, direction: r.route.direction })) }, 'engine started');
  return {
    runners,
    async stop() {
      stopping = true;
      for (const job of jobs) job.stop();
      await Promise.all(runners.map((r) => r.idle()));
      await locks.close();
      log?.info('engine stopped');
    },
  };
}
