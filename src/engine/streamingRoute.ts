/**
 * An immediate or watch route (engine.routes[].mode): one RouteLeg (leg.ts) per kind and direction, fed by
 * the digest streams of its endpoints (each endpoint's announcements go to the legs it is the source of and
 * to those it is the target of). An immediate route also runs a catch-up pass of every leg on its schedule.
 *
 *   resolving (the kinds of application URLs, from $schema; retried until it works, each failure told to the
 *              loggers as a failed run of the application pair)
 *     ──> locking (the route lock; while another engine holds it, tried again every lockRetrySeconds)
 *     ──> running (legs and streams) ──stop()──> stopped (streams closed, running steps awaited, lock released)
 */
import { performance } from 'node:perf_hooks';
import { Cron } from 'croner';
import type { Logger } from 'pino';
import { parseDigestDocument } from '../atom/digestXml';
import { parseXml } from '../atom/xml';
import type { EngineConfig, RouteConfig } from '../config/engineSchema';
import type { Digest } from '../protocol/types';
import { engineClient, routeParties, type EngineConnections, type RouteParties } from './configured';
import { authorizationOf } from '../security/credentials';
import { EndpointStreams } from './endpointStreams';
import { describeError } from './errors';
import type { SDataClient } from './sdataClient';
import { RouteLeg, type LegOps } from './leg';
import { passIdentity, passLegs, runPass } from './pass';
import { reportFailure } from './report';
import { routeKey, routeName } from './route';
import { RouteActivity } from './routeActivity';
import type { RouteLocks } from './routeLock';
import { serviceUrl } from './urls';

const LOCK_RETRY_SECONDS = 30;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

export class StreamingRoute {
  readonly name: string;
  readonly legs: RouteLeg[] = [];
  private streams: EndpointStreams | undefined;
  private cron: Cron | undefined;
  private release: (() => Promise<void>) | undefined;
  private stopped = false;
  private started: Promise<void> | undefined;
  private readonly parties: RouteParties;

  constructor(
    readonly route: RouteConfig,
    private readonly engine: EngineConfig,
    private readonly locks: RouteLocks,
    private readonly connections: EngineConnections,
    private readonly log?: Logger,
    readonly activity = new RouteActivity(routeName(route)),
  ) {
    this.name = routeName(route);
    this.parties = routeParties(route, engine);
  }

  start(): void {
    this.started ??= this.run().catch((err: unknown) => this.log?.error({ route: this.name, err: describeError(err) }, 'route could not start'));
  }

  /** Resolves once the legs run (for tests). */
  async ready(): Promise<void> {
    while (!this.stopped && this.legs.length === 0) await sleep(20);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cron?.stop();
    await this.streams?.close();
    await Promise.all(this.legs.map((l) => l.stop()));
    await this.started;
    await this.release?.();
  }

  private client(run: string, attempts = 1): SDataClient {
    const e = this.engine;
    return engineClient({ ...e, retry: { ...e.retry, attempts } }, this.connections, { runName: `${this.name} ${run}`, runStamp: new Date().toISOString() }, this.log, this.parties.auth);
  }

  private async run(): Promise<void> {
    const pairs = await this.resolve();
    if (!pairs) return;
    while (!this.stopped) {
      this.release = await this.locks.tryAcquire(routeKey(this.route));
      if (this.release) break;
      this.log?.info({ route: this.name }, 'route is running in another engine; standing by');
      await sleep(LOCK_RETRY_SECONDS * 1000);
    }
    if (this.stopped) return;
    const connection = { authorization: this.parties.auth ? authorizationOf(this.parties.auth) : undefined, dispatcher: this.connections.dispatcher };
    const streams = new EndpointStreams({ pollSeconds: this.engine.watch.pollSeconds, connection, log: this.log });
    this.streams = streams;
    for (const { source, target } of pairs) {
      const leg = new RouteLeg(this.opsOf(source, target), {
        name: this.name,
        mode: this.route.mode === 'immediate' ? 'immediate' : 'watch',
        source,
        target,
        retryMillis: this.engine.watch.retryMillis,
        maxRetryMillis: this.engine.retry.maxDelayMillis,
        log: this.log,
      });
      this.legs.push(leg);
      streams.subscribe(source, (d) => leg.sourceDigest(d));
      streams.subscribe(target, (d) => leg.targetDigest(d));
      leg.start();
    }
    if (this.route.mode === 'immediate') {
      this.cron = new Cron(this.route.schedule, { protect: true }, () => {
        for (const leg of this.legs) leg.catchUpNow();
      });
    }
    this.log?.info({ route: this.name, mode: this.route.mode, legs: pairs.length }, 'route is listening');
  }

  /** The (source, target) endpoint pairs of every kind and direction; retried until the endpoints answer. */
  private async resolve(): Promise<{ source: string; target: string }[] | undefined> {
    let delay = this.engine.watch.retryMillis;
    while (!this.stopped) {
      const client = this.client('schema', this.engine.retry.attempts);
      try {
        const forward = await passLegs({ source: this.route.source, target: this.route.target, client, kinds: this.route.kinds });
        const pairs = forward.map(({ source, target }) => ({ source, target }));
        if (this.route.direction === 'bothWays') pairs.push(...forward.map(({ source, target }) => ({ source: target, target: source })));
        return pairs;
      } catch (err) {
        this.log?.warn({ route: this.name, err: describeError(err) }, 'kinds of the route cannot be read yet; trying again');
        // The route cannot start: the loggers get a failed run of it at each attempt (alerts see it).
        await reportFailure(passIdentity(this.route.source, this.route.target), { client, loggers: this.parties.loggers, outbox: this.connections.outbox, log: this.log }, err);
        await sleep(delay);
        delay = Math.min(delay * 2, this.engine.retry.maxDelayMillis);
      }
    }
    return undefined;
  }

  private opsOf(source: string, target: string): LegOps {
    const e = this.engine;
    const common = { source, target, loggers: this.parties.loggers, outbox: this.connections.outbox, postResults: this.route.postResults ?? e.postResults, pageSize: e.pageSize, route: this.name, log: this.log, shouldStop: () => this.stopped };
    const activity = this.activity;
    return {
      // Each catch-up pass is a run of the route (GET /routes shows it); pushes are counted in the metrics.
      catchUp: async () => {
        const client = this.client('catch-up');
        const run = activity.begin('catch-up');
        const pass = activity.passStarted(run, source, target, client.run.runStamp);
        const started = performance.now();
        try {
          const summary = await runPass({ ...common, client, onProgress: activity.progressOf(run) });
          activity.passEnded(pass, summary.state, (performance.now() - started) / 1000);
        } catch (err) {
          activity.passEnded(pass, 'failed', (performance.now() - started) / 1000, describeError(err));
          throw err;
        } finally {
          activity.end(run);
        }
      },
      push: async (floor: Digest) => {
        const started = performance.now();
        try {
          const pushed = await runPass({ ...common, client: this.client('push'), floor });
          if (pushed.state !== 'done') throw new Error('the push was cut before its last page (engine stopping)');
          activity.ended('push', 'done', (performance.now() - started) / 1000);
          return pushed.ceiling;
        } catch (err) {
          activity.ended('push', 'failed', (performance.now() - started) / 1000, { source, target, reason: describeError(err) });
          throw err;
        }
      },
      targetDigest: async () => parseDigestDocument(parseXml((await this.client('digest').exchange('GET', serviceUrl(target, '$syncDigest'))).body)),
    };
  }
}
