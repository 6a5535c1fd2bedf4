/**
 * The engine's HTTP interface (its own express app, behind the role table ENGINE_ROUTES and the security
 * section's users):
 *
 *   GET  /healthz, /readyz          answered by the start-up gate (http/startup.ts), before this app
 *   GET  /metrics                   Prometheus metrics (metrics/engine.ts)
 *   GET  /routes                    every route with its state, lag and last run; JSON (default, or
 *                                   Accept: application/json, ?format=json) or Atom (Accept:
 *                                   application/atom+xml, ?format=atom)
 *   POST /routes/{name}/$run        starts one run of a scheduled route now: 202 + Location of its status;
 *                                   409 when it is running (here, by its schedule or an earlier $run, or in
 *                                   another engine holding its lock), or runs by itself (immediate, watch)
 *   POST /routes/{name}/$pause      its schedule starts no run until $resume (a run going on ends as usual,
 *                                   $run still starts one): 200 + the route as GET /routes shows it, also
 *                                   when it was paused already; 409 for an immediate or watch route
 *   POST /routes/{name}/$resume     its schedule starts runs again: 200 + the route, also when it was not paused
 *   GET  /routes/{name}/runs/{id}   a run's state (running | done | failed) and counts, as the logger's
 *                                   run records count them
 *
 * No route takes a body: a body over ENGINE_BODY_LIMIT_BYTES is answered 413 (read and discarded first).
 * `{name}` is a configured route name, percent-encoded (`demo%20crm%3C-%3Eerp`). Errors are `sdata:diagnoses`
 * bodies, or SData JSON diagnoses when JSON was asked for.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { diagnosesDocument } from '../atom/diagnosisXml';
import { FEED_TYPE } from '../atom/feed';
import { internalErrorDiagnosis } from '../http/internalError';
import { rawBody } from '../http/textBody';
import { diagnosesJson } from '../json/diagnosisJson';
import { httpMetrics } from '../metrics/httpRequests';
import { metricsHandler } from '../metrics/registry';
import { bodyReaderError, SDataError, type BodyReaderFailure } from '../protocol/diagnosis';
import { accessControl, type RouteOf } from '../security/accessControl';
import type { SecurityPolicy } from '../security/policy';
import { ENGINE_ROUTES } from '../security/roles';
import type { EngineRoute } from './daemon';
import { routeRunJson, routesFeed, routesJson } from './routesView';
import type { RouteRunner } from './routeRunner';
import { storableQuery } from '../http/storableQuery';
import { isStorableText } from '../protocol/boundedValues';

export interface EngineAppOptions {
  routes: readonly EngineRoute[];
  registry: Registry;
  security: SecurityPolicy;
  /** Base URL written in Atom ids and links. */
  baseUrl: () => string;
  log?: Logger;
}

/** Longest `{name}` accepted in a URL, percent-encoded (a name of 200 characters, every one escaped). */
const MAX_ENCODED_NAME = 600;
const MAX_NAME = 200;
const RUN = /^\/routes\/([^/]+)\/(?:\$|%24)run\/?$/i;
const PAUSE = /^\/routes\/([^/]+)\/(?:\$|%24)pause\/?$/i;
const RESUME = /^\/routes\/([^/]+)\/(?:\$|%24)resume\/?$/i;
const RUN_STATUS = /^\/routes\/([^/]+)\/runs\/([^/]+)\/?$/;
const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const JSON_TYPE = 'application/json';
/** No route takes a body; one up to this size (a client's habitual `{}`) is read and ignored, a larger one is a 413. */
export const ENGINE_BODY_LIMIT_BYTES = 64 * 1024;

/** The route of a request as ENGINE_ROUTES names it. */
export function engineRouteOf(pathname: string): RouteOf {
  if (RUN.test(pathname)) return { pattern: '/routes/{name}/$run' };
  if (PAUSE.test(pathname)) return { pattern: '/routes/{name}/$pause' };
  if (RESUME.test(pathname)) return { pattern: '/routes/{name}/$resume' };
  if (RUN_STATUS.test(pathname)) return { pattern: '/routes/{name}/runs/{id}' };
  return { pattern: pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname };
}

/** True when the request asks for JSON explicitly (`format=json`, or Accept preferring it). */
function asksJson(req: Request): boolean {
  const format = typeof req.query.format === 'string' ? req.query.format.toLowerCase() : undefined;
  if (format !== undefined) return format === 'json' || format === JSON_TYPE;
  return !!req.get('accept') && req.accepts(['application/atom+xml', 'application/xml', JSON_TYPE]) === JSON_TYPE;
}

/** GET /routes answers Atom when asked for it, JSON otherwise. */
function asksAtom(req: Request): boolean {
  const format = typeof req.query.format === 'string' ? req.query.format.toLowerCase() : undefined;
  if (format !== undefined) {
    if (format === 'atom' || format === 'application/atom+xml') return true;
    if (format === 'json' || format === JSON_TYPE) return false;
    throw new SDataError(400, { sdataCode: 'BadQueryParameter', message: `format must be json or atom, not '${format.slice(0, 40)}'` });
  }
  return !!req.get('accept') && req.accepts([JSON_TYPE, 'application/atom+xml']) === 'application/atom+xml';
}

type Handler = (req: Request, res: Response) => Promise<void> | void;
const wrap = (h: Handler) => (req: Request, res: Response, next: NextFunction) => {
  Promise.resolve()
    .then(() => h(req, res))
    .catch(next);
};

export function createEngineApp(opts: EngineAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(httpMetrics(opts.registry, ENGINE_ROUTES, (req) => engineRouteOf(req.path)));
  app.use(accessControl(opts.security, ENGINE_ROUTES, (req) => engineRouteOf(req.path)));
  app.use(storableQuery());
  app.get('/metrics', metricsHandler(opts.registry));
  app.use(rawBody(ENGINE_BODY_LIMIT_BYTES));

  const routeNamed = (encoded: string): EngineRoute => {
    if (encoded.length > MAX_ENCODED_NAME) throw new SDataError(400, { sdataCode: 'BadUrlSyntax', message: `a route name is at most ${MAX_NAME} characters` });
    // A name that is not correctly percent-encoded never gets here: express refuses it (400) when it matches the route.
    const name = decodeURIComponent(encoded);
    if (name.length > MAX_NAME) throw new SDataError(400, { sdataCode: 'BadUrlSyntax', message: `a route name is at most ${MAX_NAME} characters` });
    if (!isStorableText(name)) throw new SDataError(400, { sdataCode: 'BadUrlSyntax', message: 'a route name cannot hold U+0000' });
    const route = opts.routes.find((r) => r.name === name);
    if (!route) throw new SDataError(404, { sdataCode: 'ResourceNotFound', message: `the engine has no route named '${name}' (GET /routes lists them)` });
    return route;
  };
  const runUrl = (route: EngineRoute, id: string) => `/routes/${encodeURIComponent(route.name)}/runs/${id}`;

  app.get(
    '/routes',
    wrap(async (req, res) => {
      const atom = asksAtom(req);
      const listed = await routesJson(opts.routes);
      if (atom) res.status(200).type(FEED_TYPE).send(routesFeed(`${opts.baseUrl()}/routes`, listed));
      else res.status(200).type(JSON_TYPE).send(JSON.stringify(listed));
    }),
  );

  app.post(
    RUN,
    wrap(async (req, res) => {
      const route = routeNamed(RUN.exec(req.path)![1]);
      if (!route.runner) {
        throw new SDataError(409, { sdataCode: 'Conflict', applicationCode: 'RouteRunsContinuously', message: `route '${route.name}' is a ${route.config.mode} route: it is running all the time and catches up by itself` });
      }
      const started = await route.runner.start('request');
      if (!started) {
        throw new SDataError(409, { sdataCode: 'Conflict', applicationCode: 'RouteRunning', message: `route '${route.name}' is running (by its schedule, an earlier $run, or in another engine); try again once it has ended` });
      }
      started.finished.catch((err: unknown) => opts.log?.error({ route: route.name, err }, 'route run failed'));
      res.status(202).location(runUrl(route, started.run.id)).type(JSON_TYPE).send(JSON.stringify(routeRunJson(started.run)));
    }),
  );

  /** The runner of a scheduled route; an immediate or watch route has no schedule to pause. */
  const scheduled = (route: EngineRoute, what: string): RouteRunner => {
    if (!route.runner) throw new SDataError(409, { sdataCode: 'Conflict', applicationCode: 'RouteRunsContinuously', message: `route '${route.name}' is a ${route.config.mode} route: it has no schedule to ${what}` });
    return route.runner;
  };
  const switchSchedule = (pattern: RegExp, what: 'pause' | 'resume') =>
    wrap(async (req, res) => {
      const route = routeNamed(pattern.exec(req.path)![1]);
      const runner = scheduled(route, what);
      if (what === 'pause') runner.pause();
      else runner.resume();
      const [listed] = (await routesJson([route])).routes;
      res.status(200).type(JSON_TYPE).send(JSON.stringify(listed));
    });
  app.post(PAUSE, switchSchedule(PAUSE, 'pause'));
  app.post(RESUME, switchSchedule(RESUME, 'resume'));

  app.get(
    RUN_STATUS,
    wrap((req, res) => {
      const [, encoded, id] = RUN_STATUS.exec(req.path)!;
      const route = routeNamed(encoded);
      const run = RUN_ID.test(id) ? route.activity.run(id) : undefined;
      if (!run) throw new SDataError(404, { sdataCode: 'ResourceNotFound', message: `route '${route.name}' has no run '${id.slice(0, 40)}' (the engine keeps its latest runs, since it started)` });
      res.status(200).type(JSON_TYPE).send(JSON.stringify(routeRunJson(run)));
    }),
  );

  app.use((req: Request) => {
    throw new SDataError(404, { sdataCode: 'BadUrlSyntax', message: `no engine resource at ${req.method} ${req.path}` });
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    // A URL express cannot decode comes as an error with a 4xx status: answered as such, as the logger does.
    const known = err instanceof SDataError ? err : bodyReaderError((err ?? {}) as BodyReaderFailure);
    const diagnoses = known ? known.diagnoses : [internalErrorDiagnosis(err, req, res, opts.log)];
    res.status(known ? known.status : 500);
    if (asksJson(req)) res.type(JSON_TYPE).send(JSON.stringify(diagnosesJson(diagnoses)));
    else res.type('application/xml').send(diagnosesDocument(diagnoses));
  });
  return app;
}
