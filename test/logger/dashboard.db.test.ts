/**
 * The dashboard's HTTP routes (supertest) with security on: who may see it, what `/dashboard/data` answers,
 * and Keep / Dismiss / Retry forwarded to the endpoint with the operator's own Authorization header — only to
 * an endpoint the logger observes, never logged, with the endpoint's refusal passed back; Run now, Pause and
 * Resume forwarded the same way to an engine listener of logger.engines, whose routes the data lists by
 * name. An HTTP server stands in for the endpoints and the engine listener and records what reaches it.
 */
import { canonicalUrl } from '../../src/protocol/endpointUrl';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { buildResultFeed } from '../../src/atom/resultFeed';
import { digestEntryDocument } from '../../src/atom/digestXml';
import { diagnosesDocument } from '../../src/atom/diagnosisXml';
import { feedNode } from '../../src/atom/feed';
import { renderXml } from '../../src/atom/write';
import { loggerSchema } from '../../src/config/engineSchema';
import { securitySchema } from '../../src/config/securitySchema';
import { createLoggerApp, type LoggerApp } from '../../src/logger/app';
import type { DashboardData } from '../../src/logger/dashboardData';
import { securityPolicy } from '../../src/security/policy';
import { describeEachDatabase } from '../support/databases';
import { basic, securitySection, type TestUser } from '../security/support';

const STAMP = '2026-12-01T10:00:00.000Z';
const VIEWER: TestUser = { name: 'viewer', password: 'viewer-pass', roles: ['read'] };
const OPERATOR: TestUser = { name: 'operator', password: 'operator secret', roles: ['admin'] };
const ENGINE: TestUser = { name: 'engine', password: 'engine-pass', roles: ['sync'] };
const auth = (u: TestUser) => basic(u.name, u.password);
/** A route as an engine listener lists it (GET /routes). */
const ENGINE_ROUTE = {
  name: 'crm erp',
  source: 'http://127.0.0.1:9/sdata/crm/test/-/accounts',
  target: 'http://127.0.0.1:9/sdata/erp/test/-/accounts',
  mode: 'scheduled',
  state: 'running',
  pausedAt: null,
  lagTicks: 4,
  lastSuccessAt: STAMP,
  secondsSinceSuccess: 12,
  lastFailure: { at: STAMP, source: 'http://127.0.0.1:9/sdata/crm/test/-/accounts', target: 'http://127.0.0.1:9/sdata/erp/test/-/accounts', reason: 'HTTP 503 from the target' },
  progress: { runId: 'r1', startedAt: STAMP, source: 'http://127.0.0.1:9/sdata/crm/test/-/accounts', target: 'http://127.0.0.1:9/sdata/erp/test/-/accounts', kind: 'accounts', entriesDone: 120, totalResults: 500 },
  lastRun: null,
};

describeEachDatabase('the dashboard routes of the logger', (tdb) => {
  let logger: LoggerApp;
  let endpoints: Server;
  let base: string;
  let source: string;
  let target: string;
  const received: { method: string; path: string; authorization?: string }[] = [];
  const logged: string[] = [];

  beforeAll(async () => {
    const app = express();
    app.use((req, res) => {
      const path = decodeURIComponent(req.originalUrl);
      received.push({ method: req.method, path, authorization: req.headers.authorization });
      const url = `${base}${path.replace(/\/\$.*$/, '')}`;
      if (req.method === 'GET' && path === '/routes') return void res.json({ routes: [ENGINE_ROUTE] });
      if (path === '/routes/crm erp/$pause') return void res.status(409).type('application/xml').send(diagnosesDocument([{ severity: 'Error', sdataCode: 'Conflict', applicationCode: 'RouteRunsContinuously', message: 'no schedule to pause' }]));
      if (req.method === 'GET' && path.endsWith('/$syncDigest')) {
        const own = url === source ? 12 : 1;
        return void res.type('application/atom+xml').send(digestEntryDocument({ entries: [{ endpoint: url, tick: own, stamp: STAMP, conflictPriority: 1 }, ...(url === target ? [{ endpoint: source, tick: 9, stamp: STAMP, conflictPriority: 1 }] : [])] }, url, STAMP));
      }
      if (req.method === 'GET') return void res.type('application/atom+xml').send(renderXml(feedNode({ id: url, title: 'list', updated: STAMP, links: [], totalResults: 0, entries: [] })));
      if (path.includes("$conflicts('7')/$resolve")) return void res.status(409).type('application/xml').send(diagnosesDocument([{ severity: 'Error', sdataCode: 'Conflict', applicationCode: 'AlreadyResolved', message: 'conflict 7 was already kept' }]));
      res.status(200).type('application/atom+xml').send('<entry xmlns="http://www.w3.org/2005/Atom"/>');
    });
    endpoints = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    // Named as the logger names it (one spelling of an endpoint URL: 127.0.0.1 is localhost).
    base = canonicalUrl(`http://127.0.0.1:${(endpoints.address() as AddressInfo).port}`);
    source = `${base}/sdata/crm/test/-/accounts`;
    target = `${base}/sdata/erp/test/-/accounts`;
    const sink = new Writable({
      write(chunk, _enc, done) {
        logged.push(String(chunk));
        done();
      },
    });
    logger = createLoggerApp({
      db: await tdb.open(),
      cfg: loggerSchema.parse({ engines: [base] }),
      baseUrl: () => 'http://127.0.0.1:3100',
      security: securityPolicy(securitySchema.parse(await securitySection([VIEWER, OPERATOR, ENGINE])), '127.0.0.1'),
      log: pino({ level: 'trace' }, sink),
    });
    const feed = buildResultFeed({ id: `${target}/$syncTarget`, title: 'r', updated: STAMP, entries: [], diagnoses: [], runName: 'nightly', runStamp: STAMP, source, target, kind: 'accounts' });
    const posted = await request(logger.app).post('/logs/$syncResults').set('Authorization', auth(ENGINE)).query({ runName: 'nightly', runStamp: STAMP, source, target, kind: 'accounts', state: 'done' }).send(feed);
    expect(posted.status).toBe(200);
    await Promise.all([logger.monitor.observer.refresh(), logger.monitor.engines.refresh()]);
  });

  afterAll(async () => {
    await logger.monitor.stop();
    await new Promise((resolve) => endpoints.close(resolve));
  });

  it('needs the role read: the page, its script and style sheet, and its data', async () => {
    for (const path of ['/dashboard', '/dashboard/dashboard.js', '/dashboard/dashboard.css', '/dashboard/data']) {
      expect([path, (await request(logger.app).get(path)).status]).toEqual([path, 401]);
      expect([path, (await request(logger.app).get(path).set('Authorization', auth(ENGINE))).status]).toEqual([path, 403]);
      expect([path, (await request(logger.app).get(path).set('Authorization', auth(VIEWER))).status]).toEqual([path, 200]);
    }
    const page = await request(logger.app).get('/dashboard').set('Authorization', auth(VIEWER));
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<script src="/dashboard/dashboard.js"></script>');
    // Its icon is inline (no request, nothing from elsewhere), as everything it loads is from the logger.
    expect(page.text).toMatch(/<link rel="icon" type="image\/svg\+xml" href="data:image\/svg\+xml,%3Csvg/);
    expect([...page.text.matchAll(/(?:src|href)="(https?:)?\/\//g)]).toEqual([]);
    expect((await request(logger.app).get('/dashboard/dashboard.js').set('Authorization', auth(VIEWER))).headers['content-type']).toMatch(/^text\/javascript/);
  });

  it('answers the routes with their lag, the digest matrix and the runs as JSON', async () => {
    const res = await request(logger.app).get('/dashboard/data').set('Authorization', auth(VIEWER));
    expect(res.status).toBe(200);
    const data = res.body as DashboardData;
    expect(data.routes).toEqual([expect.objectContaining({ source, target, kind: 'accounts', lagTicks: 3, lastRun: expect.objectContaining({ state: 'done', runName: 'nightly' }) })]);
    expect(data.matrix.rows.map((r) => r.endpoint)).toEqual([source, target]);
    expect(data.matrix.rows[1].cells[data.matrix.columns.indexOf(source)]).toEqual({ tick: 9, behindBy: 3 });
    expect(data.runs).toMatchObject({ total: 1, startIndex: 1, items: [expect.objectContaining({ source, target, state: 'done' })] });
    expect(data.endpoints.map((e) => [e.url, e.error])).toEqual([
      [source, undefined],
      [target, undefined],
    ]);
    expect((await request(logger.app).get('/dashboard/data').query({ count: 'many' }).set('Authorization', auth(VIEWER))).status).toBe(400);
    expect((await request(logger.app).get('/dashboard/data').query({ state: 'sleeping' }).set('Authorization', auth(VIEWER))).status).toBe(400);
  });

  it("lists the engine's routes by name, with progress, the last failure, the lag samples and entries per minute", async () => {
    const data = (await request(logger.app).get('/dashboard/data').set('Authorization', auth(VIEWER))).body as DashboardData;
    expect(data.engines).toHaveLength(1);
    const [route] = data.engines[0].routes;
    expect(route).toMatchObject({ name: 'crm erp', state: 'running', lagTicks: 4, lastFailure: { reason: 'HTTP 503 from the target' }, progress: { entriesDone: 120, totalResults: 500 } });
    expect(route.lagHistory.at(-1)).toMatchObject({ ticks: 4 });
    expect(route.entriesPerMinute).toHaveLength(60);
    expect(data.alerts).toEqual({ open: [], recent: [] });
    expect(data.runNames).toEqual(['nightly']);
    const filtered = (await request(logger.app).get('/dashboard/data').query({ runName: 'other' }).set('Authorization', auth(VIEWER))).body as DashboardData;
    expect(filtered.runs.total).toBe(0);
  });

  it("forwards Run now, Pause and Resume to the engine listener with the operator's own Authorization, only there", async () => {
    received.length = 0;
    for (const action of ['run', 'resume']) {
      expect((await request(logger.app).post('/dashboard/route').set('Authorization', auth(OPERATOR)).send({ engine: base, name: 'crm erp', action })).status).toBe(200);
    }
    expect(received.filter((r) => r.method === 'POST')).toEqual([
      { method: 'POST', path: '/routes/crm erp/$run', authorization: auth(OPERATOR) },
      { method: 'POST', path: '/routes/crm erp/$resume', authorization: auth(OPERATOR) },
    ]);
    const refused = await request(logger.app).post('/dashboard/route').set('Authorization', auth(OPERATOR)).send({ engine: base, name: 'crm erp', action: 'pause' });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('RouteRunsContinuously');
    received.length = 0;
    for (const body of [{ engine: 'http://127.0.0.1:9', name: 'crm erp', action: 'run' }, { engine: base, name: 'crm erp', action: 'stop' }, { engine: base, name: '', action: 'run' }, { engine: base, name: '..', action: 'run' }]) {
      expect([body, (await request(logger.app).post('/dashboard/route').set('Authorization', auth(OPERATOR)).send(body)).status]).toEqual([body, 400]);
    }
    expect(received.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it("forwards Keep to the endpoint with the operator's own Authorization header, and logs no header", async () => {
    received.length = 0;
    const res = await request(logger.app).post('/dashboard/resolve').set('Authorization', auth(OPERATOR)).send({ endpoint: target, id: '3', action: 'keep' });
    expect(res.status).toBe(200);
    const resolve = received.filter((r) => r.method === 'POST');
    expect(resolve).toEqual([{ method: 'POST', path: `/sdata/erp/test/-/accounts/$conflicts('3')/$resolve?action=keep`, authorization: auth(OPERATOR) }]);
    // The observer's own reads (no credentials configured) carry none.
    expect(received.filter((r) => r.method === 'GET').every((r) => r.authorization === undefined)).toBe(true);

    received.length = 0;
    expect((await request(logger.app).post('/dashboard/retry').set('Authorization', auth(OPERATOR)).send({ endpoint: target, id: '4' })).status).toBe(200);
    expect(received.filter((r) => r.method === 'POST')).toEqual([{ method: 'POST', path: `/sdata/erp/test/-/accounts/$failures('4')/$retry`, authorization: auth(OPERATOR) }]);

    const everything = logged.join('\n');
    expect(everything).not.toContain(auth(OPERATOR).slice('Basic '.length));
    expect(everything).not.toContain(OPERATOR.password);
    // A request log names the header at most with its value redacted.
    const values = [...everything.matchAll(/"authorization":("[^"]*")/gi)].map((m) => JSON.parse(m[1]) as string);
    expect(values.filter((v) => v !== '[redacted]')).toEqual([]);
  });

  it("passes the endpoint's refusal back with its status and diagnosis", async () => {
    const res = await request(logger.app).post('/dashboard/resolve').set('Authorization', auth(OPERATOR)).send({ endpoint: target, id: '7', action: 'dismiss' });
    expect(res.status).toBe(409);
    expect(res.text).toContain('conflict 7 was already kept');
    expect(res.text).toContain('AlreadyResolved');
  });

  it('refuses bad actions and endpoints it does not observe with a diagnosis, calling nothing', async () => {
    received.length = 0;
    const bad = [
      { endpoint: target, id: '3', action: 'destroy' },
      { endpoint: target, id: "3')/$x('", action: 'keep' },
      { endpoint: target, id: '3', action: 'keep', extra: 1 },
      { endpoint: 'http://127.0.0.1:9/sdata/evil/test/-/accounts', id: '3', action: 'keep' },
      { endpoint: `${base}/sdata/other/test/-/accounts`, id: '3', action: 'keep' },
    ];
    for (const body of bad) {
      const res = await request(logger.app).post('/dashboard/resolve').set('Authorization', auth(OPERATOR)).send(body);
      expect([body, res.status]).toEqual([body, 400]);
      expect(res.text).toContain('sdata:diagnosis');
    }
    const tooLarge = await request(logger.app).post('/dashboard/retry').set('Authorization', auth(OPERATOR)).set('Content-Type', 'application/json').send(JSON.stringify({ endpoint: target, id: '1', pad: 'x'.repeat(10_000) }));
    expect(tooLarge.status).toBe(413);
    expect(received.filter((r) => r.method === 'POST')).toEqual([]);
  });
});
