/**
 * The dashboard of the event logger:
 *
 *   GET  /dashboard                  the page (HTML; its script and style sheet below, served from this package)
 *   GET  /dashboard/dashboard.js     the page's script: polls /dashboard/data and redraws (no page reload)
 *   GET  /dashboard/dashboard.css
 *   GET  /dashboard/data             JSON (dashboardData.ts); runs paged with startIndex/count, filtered by
 *                                    runName and state
 *   POST /dashboard/resolve          { endpoint, id, action: keep | dismiss }: $conflicts('ID')/$resolve
 *   POST /dashboard/retry            { endpoint, id }: $failures('ID')/$retry
 *   POST /dashboard/route            { engine, name, action: run | pause | resume }: the engine listener's
 *                                    POST /routes/{name}/$run, $pause or $resume
 *
 * An action the endpoint or engine refuses is answered with its status (502 for its 5xx) and diagnoses.
 *
 * Resolve, retry and the route actions are forwarded by the logger with the operator's own Authorization
 * header (the one the browser sent the logger), so the endpoint or engine decides with the operator's roles
 * (admin at an endpoint, sync at an engine) and records the operator as the user of a kept version; the
 * logger's own credentials are never used for them, and the header is not logged. Only endpoints the
 * observer reads and engines of logger.engines are called: the logger cannot be made to send the header
 * anywhere else.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { diagnosesIn } from '../atom/diagnosisXml';
import { parseXml } from '../atom/xml';
import type { LoggerConfig } from '../config/engineSchema';
import { packageRoot } from '../config/packageFiles';
import { canonicalUrl } from '../protocol/endpointUrl';
import { SDataError } from '../protocol/diagnosis';
import { serviceUrl, type QueryParams } from '../protocol/serviceUrl';
import type { Db } from '../store/db';
import { dashboardData } from './dashboardData';
import { dashboardPage } from './dashboardPage';
import { pagingOf, runFilterOf } from './filters';
import { HISTORY_MILLIS } from './engines';
import type { LoggerMonitor } from './monitor';
import { listRuns } from './store';

const ASSETS = join(packageRoot(), 'public', 'dashboard');

const endpointUrl = z.url({ protocol: /^https?$/ }).max(2000);
const resolveBody = z.object({ endpoint: endpointUrl, id: z.string().regex(/^\d{1,18}$/), action: z.enum(['keep', 'dismiss']) }).strict();
const retryBody = z.object({ endpoint: endpointUrl, id: z.string().regex(/^\d{1,18}$/) }).strict();
// A route name of '.' or '..' would stay so once percent-encoded and move the forwarded path off the route.
const routeName = z.string().min(1).max(200).refine((n) => n !== '.' && n !== '..', 'a route name is not . or ..');
const routeBody = z.object({ engine: endpointUrl, name: routeName, action: z.enum(['run', 'pause', 'resume']) }).strict();
/** Runs of the last hour read for the charts at most. */
const CHART_RUNS = 5000;

function badBody(message: string): SDataError {
  return new SDataError(400, { sdataCode: 'BadRequest', applicationCode: 'BadDashboardAction', message });
}

function parsed<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const r = schema.safeParse(body);
  if (!r.success) throw badBody(`${what}: ${r.error.issues.map((i) => `${i.path.join('.') || 'body'} ${i.message}`).join('; ')}`);
  return r.data;
}

/** The endpoint's own diagnoses of a refused action, with its status (a 5xx of the endpoint reads as 502). */
function endpointRefusal(endpoint: string, status: number, body: string): SDataError {
  let found: ReturnType<typeof diagnosesIn> = [];
  try {
    found = diagnosesIn(parseXml(body));
  } catch {
    // not a diagnosis document: the status says it
  }
  const [first, ...more] = found.length > 0 ? found : [{ severity: 'Error' as const, sdataCode: 'ApplicationDiagnosis' as const, message: `HTTP ${status}` }];
  return new SDataError(status >= 400 && status < 500 ? status : 502, { ...first, message: `${endpoint}: ${first.message}` }, more);
}

type Handler = (req: Request, res: Response) => Promise<void>;
const wrap = (h: Handler) => (req: Request, res: Response, next: NextFunction) => h(req, res).catch(next);

export function dashboardRouter(opts: { db: Db; cfg: LoggerConfig; monitor: LoggerMonitor }): express.Router {
  const { db, cfg, monitor } = opts;
  const router = express.Router();
  const script = readFileSync(join(ASSETS, 'dashboard.js'), 'utf8');
  const style = readFileSync(join(ASSETS, 'dashboard.css'), 'utf8');

  router.get('/dashboard', (_req, res) => {
    res.status(200).type('text/html; charset=utf-8').send(dashboardPage(cfg.dashboardRefreshSeconds));
  });
  router.get('/dashboard/dashboard.js', (_req, res) => void res.status(200).type('text/javascript; charset=utf-8').send(script));
  router.get('/dashboard/dashboard.css', (_req, res) => void res.status(200).type('text/css; charset=utf-8').send(style));

  router.get(
    '/dashboard/data',
    wrap(async (req, res) => {
      const query = req.query as Record<string, unknown>;
      const { startIndex, count } = pagingOf(query, 20, cfg.maxPageSize);
      const { runName, state } = runFilterOf(query);
      const now = new Date();
      const [routes, runs, lastHour] = await Promise.all([
        monitor.routes(now),
        listRuns(db, { runName, state }, { offset: startIndex - 1, limit: count }),
        cfg.engines.length > 0 ? listRuns(db, { since: new Date(now.getTime() - HISTORY_MILLIS) }, { offset: 0, limit: CHART_RUNS }) : { items: [] },
      ]);
      const data = dashboardData({
        now,
        routes,
        observed: monitor.observer.snapshot(),
        digests: monitor.observer.digests(),
        runs: { ...runs, startIndex, count },
        engines: monitor.engines.snapshot(),
        alerts: monitor.alerts(),
        lastHour: lastHour.items,
      });
      res.status(200).set('cache-control', 'no-store').json(data);
    }),
  );

  const json = express.json({ limit: '4kb', strict: true });

  /** Calls the endpoint (or engine) with the operator's Authorization header and answers with its outcome. */
  async function forward(req: Request, res: Response, given: string, path: string, params: QueryParams, engine = false): Promise<void> {
    const endpoint = canonicalUrl(given);
    if (engine ? !monitor.engines.watches(endpoint) : !monitor.observer.observes(endpoint)) {
      throw badBody(`${endpoint} is not ${engine ? 'an engine listener of logger.engines' : 'an endpoint this logger observes'}`);
    }
    const headers: Record<string, string> = { accept: 'application/atom+xml' };
    if (req.headers.authorization) headers.authorization = req.headers.authorization;
    let answer: globalThis.Response;
    try {
      // No redirect is followed: the operator's header goes to the listed URL only.
      answer = await fetch(serviceUrl(endpoint, path, params), { method: 'POST', headers, redirect: 'manual', signal: AbortSignal.timeout(cfg.observe.timeoutMillis) });
    } catch (err) {
      throw new SDataError(502, { sdataCode: 'ApplicationDiagnosis', applicationCode: 'EndpointUnreachable', message: `${endpoint}: ${(err as Error).message}` });
    }
    const body = await answer.text();
    await (engine ? monitor.engines.refresh() : monitor.observer.readEndpoint(endpoint));
    if (answer.ok) {
      res.status(200).json({ status: answer.status });
      return;
    }
    throw endpointRefusal(endpoint, answer.status, body);
  }

  router.post(
    '/dashboard/resolve',
    json,
    wrap(async (req, res) => {
      const b = parsed(resolveBody, req.body, 'resolve');
      await forward(req, res, b.endpoint, `$conflicts('${b.id}')/$resolve`, { action: b.action });
    }),
  );
  router.post(
    '/dashboard/retry',
    json,
    wrap(async (req, res) => {
      const b = parsed(retryBody, req.body, 'retry');
      await forward(req, res, b.endpoint, `$failures('${b.id}')/$retry`, {});
    }),
  );
  router.post(
    '/dashboard/route',
    json,
    wrap(async (req, res) => {
      const b = parsed(routeBody, req.body, 'route');
      await forward(req, res, b.engine, `routes/${encodeURIComponent(b.name)}/$${b.action}`, {}, true);
    }),
  );
  return router;
}
