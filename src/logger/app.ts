/**
 * The event logger's HTTP interface (its own express app):
 *
 *   POST /logs/$syncResults   a result feed with run metadata (same shape a source's $syncResults accepts)
 *   GET  /logs/runs           run records, newest first; filters runName, runStamp, endpoint, state, since, until
 *   GET  /logs/events         diagnoses, newest first; filters runId, requestId, runName, runStamp, endpoint,
 *                             severity=Error,Fatal | minSeverity=Warning, since, until
 *   GET  /dashboard, /dashboard/data, ... the dashboard (dashboard.ts); POST /dashboard/resolve, /dashboard/retry
 *   GET  /metrics             Prometheus metrics: requests by route and status, database pool
 *   GET  /healthz, /readyz    answered by the start-up gate (http/startup.ts), before this app
 *
 * Who may call what is the role table LOGGER_ROUTES (posting results needs sync, reading needs read),
 * checked with the `security` section before any handler runs.
 * Feeds page with startIndex/count. Errors are `sdata:diagnoses` bodies. Error and Fatal diagnoses are sent
 * to the webhook after the post is stored, and the alert rules (monitor.ts) are evaluated on it.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { diagnosesDocument } from '../atom/diagnosisXml';
import type { LoggerConfig } from '../config/engineSchema';
import type { XmlLimits } from '../config/xmlLimits';
import { internalErrorDiagnosis } from '../http/internalError';
import { textBody } from '../http/textBody';
import { acceptedRequestId, requestIdMiddleware, requestIdOfRequest } from '../http/requestId';
import { requestLog } from '../http/requestLog';
import { bodyReaderError, SDataError, type BodyReaderFailure } from '../protocol/diagnosis';
import type { Db } from '../store/db';
import { accessControl, type RouteOf } from '../security/accessControl';
import type { SecurityPolicy } from '../security/policy';
import { LOGGER_ROUTES } from '../security/roles';
import { httpMetrics } from '../metrics/httpRequests';
import { poolMetrics } from '../metrics/pool';
import { loginMetrics } from '../metrics/logins';
import { metricsHandler, serviceRegistry } from '../metrics/registry';
import { EVENT_FILTER_PARAMS, eventFilterOf, givenParams, pagingOf, RUN_FILTER_PARAMS, runFilterOf } from './filters';
import { eventsFeed, runsFeed } from './feeds';
import { resultPostOf } from './ingest';
import { listEvents, listRuns, recordResultPost } from './store';
import { ALERT_SEVERITIES, callWebhook, type WebhookPayload } from './webhook';
import type { AlertPost } from './alerting';
import { dashboardRouter } from './dashboard';
import { LoggerMonitor } from './monitor';
import { storableQuery } from '../http/storableQuery';

export interface LoggerAppOptions {
  db: Db;
  cfg: LoggerConfig;
  /** Base URL written in feed ids and links. */
  baseUrl: () => string;
  /** Users and anonymous roles (the configuration's security section). */
  security: SecurityPolicy;
  log?: Logger;
  /** Limits of the XML reader for posted result feeds (the configuration's `xml` section). */
  xmlLimits?: XmlLimits;
}

export interface LoggerApp {
  app: express.Express;
  /** The observer of endpoints and the alert rules; started by the service. */
  monitor: LoggerMonitor;
  /** Resolves when every webhook call started so far has ended. */
  idle(): Promise<void>;
}

const FEED_TYPE = 'application/atom+xml; type=feed';
const INGEST = /^\/logs\/(?:\$|%24)syncResults\/?$/i;

/** The route of a request as LOGGER_ROUTES names it. */
export function loggerRouteOf(pathname: string): RouteOf {
  return { pattern: INGEST.test(pathname) ? '/logs/$syncResults' : pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname };
}

type Handler = (req: Request, res: Response) => Promise<void>;
const wrap = (h: Handler) => (req: Request, res: Response, next: NextFunction) => h(req, res).catch(next);

export function createLoggerApp(opts: LoggerAppOptions): LoggerApp {
  const { db, cfg, log } = opts;
  const app = express();
  const pending = new Set<Promise<void>>();
  app.disable('x-powered-by');
  app.use(requestIdMiddleware());
  if (log) app.use(requestLog(log));
  const metrics = serviceRegistry('logger');
  poolMetrics(metrics, db);
  loginMetrics(metrics, opts.security.loginCounts);
  app.use(httpMetrics(metrics, LOGGER_ROUTES, (req) => loggerRouteOf(req.path)));
  app.use(accessControl(opts.security, LOGGER_ROUTES, (req) => loggerRouteOf(req.path)));
  app.use(storableQuery());
  app.get('/metrics', metricsHandler(metrics));

  const post = (payload: WebhookPayload | AlertPost): void => {
    if (!cfg.webhookUrl) return;
    const call = callWebhook(cfg.webhookUrl, payload, cfg.webhookTimeoutMillis, log);
    pending.add(call);
    void call.finally(() => pending.delete(call));
  };
  const monitor = new LoggerMonitor({ db, cfg, baseUrl: opts.baseUrl, postAlert: post, log, xmlLimits: opts.xmlLimits });
  const evaluations = new Set<Promise<void>>();
  app.use(dashboardRouter({ db, cfg, monitor }));

  app.post(
    INGEST,
    textBody(cfg.bodyLimitBytes),
    wrap(async (req, res) => {
      const resultPost = resultPostOf(typeof req.body === 'string' ? req.body : '', req.query as Record<string, unknown>, opts.xmlLimits);
      // An event keeps the request id its diagnosis names (the endpoint's answer it came in), else the post's
      // (an engine posts with the request id of the pass or push the results are of).
      const requestId = requestIdOfRequest(req);
      resultPost.events = resultPost.events.map((e) => ({ ...e, requestId: acceptedRequestId(e.requestId) ?? requestId }));
      const { runId, events } = await recordResultPost(db, resultPost);
      res.status(200).end();
      const alerts = events.filter((e) => ALERT_SEVERITIES.has(e.severity));
      if (alerts.length > 0) post({ logger: opts.baseUrl(), run: { id: runId, ...resultPost.run }, events: alerts });
      const evaluation = monitor
        .evaluate({ run: resultPost.run, conflicts: resultPost.counts.conflicts })
        .catch((err) => log?.warn({ err: (err as Error).message }, 'alert rules not evaluated'));
      evaluations.add(evaluation);
      void evaluation.finally(() => evaluations.delete(evaluation));
    }),
  );

  app.get(
    '/logs/runs',
    wrap(async (req, res) => {
      const q = req.query as Record<string, unknown>;
      const { startIndex, count } = pagingOf(q, cfg.defaultPageSize, cfg.maxPageSize);
      const { total, items } = await listRuns(db, runFilterOf(q), { offset: startIndex - 1, limit: count });
      const page = { base: `${opts.baseUrl()}/logs/runs`, params: givenParams(q, RUN_FILTER_PARAMS), startIndex, count, total };
      res.status(200).type(FEED_TYPE).send(runsFeed(page, items));
    }),
  );

  app.get(
    '/logs/events',
    wrap(async (req, res) => {
      const q = req.query as Record<string, unknown>;
      const { startIndex, count } = pagingOf(q, cfg.defaultPageSize, cfg.maxPageSize);
      const { total, items } = await listEvents(db, eventFilterOf(q), { offset: startIndex - 1, limit: count });
      const page = { base: `${opts.baseUrl()}/logs/events`, params: givenParams(q, EVENT_FILTER_PARAMS), startIndex, count, total };
      res.status(200).type(FEED_TYPE).send(eventsFeed(page, items));
    }),
  );

  app.use((req: Request) => {
    throw new SDataError(404, { sdataCode: 'BadUrlSyntax', message: `no logger resource at ${req.method} ${req.path}` });
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const known = err instanceof SDataError ? err : bodyReaderError((err ?? {}) as BodyReaderFailure);
    const status = known ? known.status : 500;
    const requestId = requestIdOfRequest(req);
    const diagnoses = (known ? known.diagnoses : [internalErrorDiagnosis(err, req, res, log)]).map((d) => ({ ...d, requestId }));
    res.status(status).type('application/xml').send(diagnosesDocument(diagnoses));
  });

  return {
    app,
    monitor,
    idle: async () => {
      while (pending.size + evaluations.size > 0) await Promise.all([...pending, ...evaluations]);
    },
  };
}
