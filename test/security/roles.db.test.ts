/**
 * Every route the endpoint server, the event logger and the engine's listener answer, walked with every caller: no credentials,
 * a wrong password, and a user of each role. A caller whose role does not cover the route is refused
 * (401 without credentials or with wrong ones, 403 for a wrong role) with a diagnosis and nothing changed;
 * a caller whose role covers it reaches the handler. The role each route needs is written here from the
 * roles as the product documents them, not read from the product's table (an engine, role sync, also
 * reads $syncDigest and $schema).
 */
import request from 'supertest';
import type { Express } from 'express';
import { createLoggerApp } from '../../src/logger/app';
import { loggerSchema } from '../../src/config/engineSchema';
import { securityPolicy } from '../../src/security/policy';
import { ENDPOINT_ROUTES, ENGINE_ROUTES, LOGGER_ROUTES, type Access } from '../../src/security/roles';
import { engineSchema } from '../../src/config/engineSchema';
import { startEngine, type RunningEngine } from '../../src/engine/daemon';
import { createEngineApp, engineRouteOf } from '../../src/engine/httpApi';
import { inProcessLocks } from '../../src/engine/routeLock';
import { serviceNames } from '../../src/endpoint/services';
import { describeEachDatabase } from '../support/databases';
import { asText, openTestApp, snapshot, xmlOf, type TestApp } from '../endpoint/support/app';
import { CRM, ERP, testConfig } from '../endpoint/support/testConfig';
import { account, diagnosisCodes, diagnosisField, entryWith } from '../endpoint/support/xmlBodies';
import { NS } from '../../src/atom/namespaces';
import type { Db } from '../../src/store/db';
import { ALICE, basic, ROLE_USERS, securitySection } from './support';

const EP = `${CRM}/accounts`;
const path = (url: string) => new URL(url).pathname;
const ENTRY = entryWith(account('<name>Walk</name>'));
const DIGEST_ENTRY = `<entry xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}" xmlns:sync="${NS.sync}"><sdata:payload><sync:digest><sync:origin>${ERP}/accounts</sync:origin></sync:digest></sdata:payload></entry>`;
const EMPTY_FEED = `<feed xmlns="${NS.atom}"/>`;

interface Route {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  needs: Access;
  body?: string;
  /** An event stream: only its status and headers are read. */
  stream?: boolean;
  /** What a caller with the role gets when it is not a success (the handler's own refusal of this body). */
  reached?: number;
}

/** Every method of every URL the endpoint server answers today. KEY is an existing resource. */
const serverRoutes = (key: string): Route[] => [
  { method: 'GET', url: '/', needs: 'public' },
  { method: 'GET', url: '/metrics', needs: ['read', 'metrics'] },
  { method: 'GET', url: '/sdata', needs: 'read' },
  { method: 'GET', url: '/sdata/crm', needs: 'read' },
  { method: 'GET', url: '/sdata/crm/test', needs: 'read' },
  { method: 'GET', url: '/sdata/crm/test/-', needs: 'read' },
  { method: 'GET', url: `/sdata/crm/test/-/$schema`, needs: ['read', 'sync'] },
  { method: 'GET', url: path(EP), needs: 'read' },
  { method: 'HEAD', url: path(EP), needs: 'read' },
  { method: 'POST', url: path(EP), needs: 'write', body: ENTRY },
  { method: 'GET', url: `${path(EP)}('${key}')`, needs: 'read' },
  { method: 'PUT', url: `${path(EP)}('${key}')`, needs: 'write', body: ENTRY },
  { method: 'POST', url: `${path(EP)}/$batch`, needs: 'write', body: EMPTY_FEED },
  { method: 'GET', url: `${path(EP)}/$schema`, needs: ['read', 'sync'] },
  { method: 'GET', url: `${path(EP)}/$template`, needs: 'read' },
  { method: 'GET', url: `${path(EP)}/%24syncDigest`, needs: ['read', 'sync'] },
  { method: 'GET', url: `${path(EP)}/$syncNotify`, needs: ['read', 'sync'], stream: true },
  { method: 'PUT', url: `${path(EP)}/$syncDigest`, needs: 'admin', body: DIGEST_ENTRY },
  { method: 'POST', url: `${path(EP)}/$syncSource`, needs: 'sync', body: DIGEST_ENTRY },
  { method: 'GET', url: `${path(EP)}/$syncSource('00000000-0000-4000-8000-000000000001')`, needs: 'sync' },
  { method: 'DELETE', url: `${path(EP)}/$syncSource('00000000-0000-4000-8000-000000000001')`, needs: 'sync' },
  { method: 'POST', url: `${path(EP)}/$syncTarget`, needs: 'sync', body: EMPTY_FEED },
  { method: 'GET', url: `${path(EP)}/$syncTarget('00000000-0000-4000-8000-000000000002')`, needs: 'sync' },
  { method: 'DELETE', url: `${path(EP)}/$syncTarget('00000000-0000-4000-8000-000000000002')`, needs: 'sync' },
  { method: 'POST', url: `${path(EP)}/$syncTarget('00000000-0000-4000-8000-000000000003')/$commit`, needs: 'sync' },
  { method: 'POST', url: `${path(EP)}/$syncTarget('00000000-0000-4000-8000-000000000003')/$abort`, needs: 'sync' },
  { method: 'POST', url: `${path(EP)}/$syncResults`, needs: 'sync', body: EMPTY_FEED },
  { method: 'GET', url: `${path(EP)}/$syncResults`, needs: 'read' },
  { method: 'GET', url: `${path(EP)}/$conflicts`, needs: 'read' },
  { method: 'GET', url: `${path(EP)}/$conflicts('1')`, needs: 'read' },
  { method: 'POST', url: `${path(EP)}/$conflicts('1')/$resolve?action=dismiss`, needs: 'admin' },
  { method: 'GET', url: `${path(EP)}/$failures`, needs: 'read' },
  { method: 'GET', url: `${path(EP)}/$failures('1')`, needs: 'read' },
  { method: 'POST', url: `${path(EP)}/$failures('1')/$retry`, needs: 'admin' },
  { method: 'GET', url: `${path(EP)}/$linked`, needs: 'read' },
  { method: 'GET', url: `${path(EP)}/$linked('00000000-0000-4000-8000-000000000004')`, needs: 'read' },
  { method: 'POST', url: `${path(EP)}/$linked`, needs: 'admin', body: ENTRY },
  { method: 'DELETE', url: `${path(EP)}/$linked('00000000-0000-4000-8000-000000000004')`, needs: 'admin' },
  // Last: it removes the resource the routes above name.
  { method: 'DELETE', url: `${path(EP)}('${key}')`, needs: 'write' },
];

const LOGGER_ROUTE_LIST: Route[] = [
  { method: 'GET', url: '/metrics', needs: ['read', 'metrics'] },
  { method: 'POST', url: '/logs/$syncResults?runName=walk&runStamp=2026-01-01T00:00:00Z', needs: 'sync', body: EMPTY_FEED },
  { method: 'POST', url: '/logs/%24syncResults?runName=walk&runStamp=2026-01-01T00:00:00Z', needs: 'sync', body: EMPTY_FEED },
  { method: 'GET', url: '/logs/runs', needs: 'read' },
  { method: 'GET', url: '/logs/events', needs: 'read' },
  { method: 'GET', url: '/dashboard', needs: 'read' },
  { method: 'GET', url: '/dashboard/dashboard.js', needs: 'read' },
  { method: 'GET', url: '/dashboard/dashboard.css', needs: 'read' },
  { method: 'GET', url: '/dashboard/data', needs: 'read' },
  // Not JSON naming an observed endpoint: the handler refuses it (the endpoint would check admin).
  { method: 'POST', url: '/dashboard/resolve', needs: 'read', body: EMPTY_FEED, reached: 400 },
  { method: 'POST', url: '/dashboard/retry', needs: 'read', body: EMPTY_FEED, reached: 400 },
  // Not JSON naming an engine of logger.engines: the handler refuses it (the engine would check sync).
  { method: 'POST', url: '/dashboard/route', needs: 'read', body: EMPTY_FEED, reached: 400 },
];

/** Every route of the engine's listener; `walk` is its one (scheduled) route. */
const ENGINE_ROUTE_LIST: Route[] = [
  { method: 'GET', url: '/metrics', needs: ['read', 'metrics'] },
  { method: 'GET', url: '/routes', needs: ['read', 'sync'] },
  { method: 'GET', url: '/routes?format=atom', needs: ['read', 'sync'] },
  { method: 'POST', url: '/routes/walk/$run', needs: 'sync' },
  // Paused, then resumed: the walk leaves the route on its schedule.
  { method: 'POST', url: '/routes/walk/$pause', needs: 'sync' },
  { method: 'POST', url: '/routes/walk/$resume', needs: 'sync' },
  { method: 'GET', url: '/routes/walk/runs/00000000-0000-4000-8000-000000000004', needs: ['read', 'sync'] },
];

type Caller = { label: string; authorization?: string; roles: readonly string[] };
const CALLERS: Caller[] = [
  { label: 'no credentials', roles: [] },
  { label: 'a wrong password', authorization: basic('root', 'not-the-password'), roles: [] },
  { label: 'an unknown user', authorization: basic('nobody', 'root-pass'), roles: [] },
  ...ROLE_USERS.map((u) => ({ label: `${u.name} [${u.roles.join(', ')}]`, authorization: basic(u.name, u.password), roles: u.roles })),
];

const allowed = (caller: Caller, needs: Access) =>
  needs === 'public' || caller.roles.includes('admin') || (typeof needs === 'string' ? caller.roles.includes(needs) : needs.some((r) => caller.roles.includes(r)));

/** An event stream's answer: its status and headers once they arrive (the stream is then closed), or its whole body when refused. */
async function openStream(app: Express, r: Route, authorization?: string): Promise<request.Response> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const abort = new AbortController();
  try {
    const { port } = server.address() as { port: number };
    const res = await fetch(`http://127.0.0.1:${port}${r.url}`, { headers: authorization ? { authorization } : {}, signal: abort.signal });
    const body = res.headers.get('content-type')?.startsWith('text/event-stream') ? undefined : await res.text();
    return { status: res.status, headers: Object.fromEntries(res.headers), body } as unknown as request.Response;
  } finally {
    abort.abort();
    server.closeAllConnections();
    server.close();
  }
}

function send(app: Express, r: Route, authorization?: string, extra: Record<string, string> = {}) {
  if (r.stream) return openStream(app, r, authorization);
  let t = request(app)[r.method.toLowerCase() as 'get' | 'head' | 'post' | 'put' | 'delete'](r.url);
  if (authorization) t = t.set('Authorization', authorization);
  for (const [h, v] of Object.entries(extra)) t = t.set(h, v);
  if (r.body !== undefined) t = t.set('Content-Type', 'application/atom+xml').send(r.body);
  return r.method === 'HEAD' ? t : asText(t);
}

async function expectRefused(res: request.Response, caller: Caller): Promise<void> {
  const status = caller.authorization && caller.roles.length > 0 ? 403 : 401;
  expect(res.status).toBe(status);
  if (status === 401) expect(res.headers['www-authenticate']).toBe('Basic realm="sdata-sync", charset="UTF-8"');
  else expect(res.headers['www-authenticate']).toBeUndefined();
  if (res.body !== undefined && typeof res.body === 'string' && res.body.length > 0) {
    expect(diagnosisCodes(xmlOf(res))).toEqual([status === 401 ? 'Unauthorized' : 'Forbidden']);
  }
}

/** A refusal names no route; the table's own refusal of an unlisted route says "nothing is served" or 405. */
function expectReachedHandler(res: request.Response): void {
  expect([401, 403, 405]).not.toContain(res.status);
  if (typeof res.body === 'string') expect(res.body).not.toContain('nothing is served at');
}

const loggerSnapshot = async (db: Db) => ({ runs: await db('log_runs').count({ n: '*' }), events: await db('log_events').count({ n: '*' }) });

describeEachDatabase('roles on every route', (tdb) => {
  let t: TestApp;
  let key: string;
  let logger: Express;
  let engineApp: Express;
  let engine: RunningEngine;

  beforeAll(async () => {
    const security = await securitySection();
    t = await openTestApp(tdb, testConfig({ security }));
    const created = await asText(request(t.app).post(path(EP)).set('Authorization', basic('root', 'root-pass')).set('Content-Type', 'application/atom+xml').send(ENTRY)).expect(201);
    key = /\('([^']+)'\)$/.exec(created.headers.location as string)![1];
    logger = createLoggerApp({ db: t.db, cfg: loggerSchema.parse({}), baseUrl: () => 'http://logger.test', security: securityPolicy(testConfig({ security }).security, '127.0.0.1') }).app;
    // Its endpoints do not answer (port 9): a $run that gets through starts a pass that fails at once.
    const nowhere = 'http://127.0.0.1:9/sdata/crm/test/-/accounts';
    engine = await startEngine(engineSchema.parse({ passAttempts: 1, retry: { attempts: 1 }, routes: [{ name: 'walk', source: nowhere, target: nowhere.replace('crm', 'erp'), schedule: '0 0 0 1 1 *' }] }), { locks: inProcessLocks() });
    engineApp = createEngineApp({ routes: engine.routes, registry: engine.metrics.registry, security: securityPolicy(testConfig({ security }).security, '127.0.0.1'), baseUrl: () => 'http://engine.test' });
  });

  afterAll(async () => {
    await engine?.stop();
  });

  for (const caller of CALLERS) {
    test(`endpoint server, ${caller.label}`, async () => {
      for (const r of serverRoutes(key)) {
        const before = await snapshot(t.db);
        const res = await send(t.app, r, caller.authorization);
        if (allowed(caller, r.needs)) {
          expectReachedHandler(res);
        } else {
          await expectRefused(res, caller);
          expect(await snapshot(t.db)).toEqual(before);
        }
      }
    });

    test(`event logger, ${caller.label}`, async () => {
      for (const r of LOGGER_ROUTE_LIST) {
        const before = await loggerSnapshot(t.db);
        const res = await send(logger, r, caller.authorization);
        if (allowed(caller, r.needs)) {
          expectReachedHandler(res);
          if (r.reached !== undefined) expect([r.url, res.status]).toEqual([r.url, r.reached]);
          else expect(res.status).toBeLessThan(300);
        } else {
          await expectRefused(res, caller);
          expect(await loggerSnapshot(t.db)).toEqual(before);
        }
      }
    });
  }

  for (const caller of CALLERS) {
    test(`engine, ${caller.label}`, async () => {
      for (const r of ENGINE_ROUTE_LIST) {
        const runsBefore = engine.routes[0].activity.latest()?.id;
        const res = await send(engineApp, r, caller.authorization);
        if (allowed(caller, r.needs)) {
          expectReachedHandler(res);
        } else {
          await expectRefused(res, caller);
          expect(engine.routes[0].activity.latest()?.id).toBe(runsBefore);
          expect(engine.routes[0].runner?.paused).toBeUndefined();
        }
      }
      await engine.runners[0].idle();
    });
  }

  test('the walk reaches real answers: a writer creates, a reader reads, an engine selects', async () => {
    const routes = serverRoutes(key);
    const create = routes.find((r) => r.method === 'POST' && r.url === path(EP))!;
    expect((await send(t.app, create, basic('writer', 'writer-pass'))).status).toBe(201);
    expect((await send(t.app, routes.find((r) => r.method === 'GET' && r.url === path(EP))!, basic('reader', 'reader pass é'))).status).toBe(200);
    const select = routes.find((r) => r.url.endsWith('$syncSource') && r.method === 'POST')!;
    expect((await send(t.app, select, basic('engine', 'engine:pass'))).status).toBe(200);
  });

  test('applications: [crm] restricts a user to crm', async () => {
    const alice = basic(ALICE.name, ALICE.password);
    await request(t.app).get(path(EP)).set('Authorization', alice).expect(200);
    const before = await snapshot(t.db);
    const refused = await asText(request(t.app).post(path(`${ERP}/accounts`)).set('Authorization', alice).set('Content-Type', 'application/atom+xml').send(ENTRY)).expect(403);
    expect(diagnosisCodes(xmlOf(refused))).toEqual(['Forbidden']);
    expect(diagnosisField(xmlOf(refused), 'message')).toBe("user 'alice' is refused: may not use application 'erp'");
    await asText(request(t.app).get(path(`${ERP}/accounts`)).set('Authorization', alice)).expect(403);
    await asText(request(t.app).get('/sdata/erp/test/-/$schema').set('Authorization', alice)).expect(403);
    expect(await snapshot(t.db)).toEqual(before);
    // Her roles still hold where she may go: no sync role.
    await asText(request(t.app).post(`${path(EP)}/$syncSource`).set('Authorization', alice).send(DIGEST_ENTRY)).expect(403);
  });

  test('a route missing from the table is refused even for admin: 404, or 405 with the listed methods', async () => {
    const root = basic('root', 'root-pass');
    const unknown = await asText(request(t.app).get(`${path(EP)}/$noSuchService`).set('Authorization', root)).expect(404);
    expect(diagnosisCodes(xmlOf(unknown))).toEqual(['BadUrlSyntax']);
    const patch = await asText(request(t.app).patch(path(EP)).set('Authorization', root)).expect(405);
    expect(patch.headers.allow).toBe('GET, POST');
    expect(diagnosisCodes(xmlOf(patch))).toEqual(['MethodNotAllowed']);
    await asText(request(t.app).post(`${path(EP)}/$schema`).set('Authorization', root)).expect(405);
    await asText(request(logger).delete('/logs/runs').set('Authorization', root)).expect(405);
  });
});

describe('the role tables', () => {
  test('every service an endpoint answers has routes in the table', () => {
    const listed = new Set(Object.keys(ENDPOINT_ROUTES).map((r) => /\{ep\}\/(\$\w+)/.exec(r)?.[1]).filter(Boolean));
    for (const name of serviceNames()) expect([name, listed.has(name)]).toEqual([name, true]);
  });

  test('every route walked above is a line of its table, with the role the walk expects', () => {
    const pattern = (url: string) =>
      url
        .replace(/\?.*$/, '')
        .replace('%24', '$')
        .replace(/^\/sdata\/crm\/test\/-\/accounts/, '{ep}')
        .replace(/^\/sdata\/crm\/test\/-/, '{dataset}')
        .replace(/^\/sdata\/crm\/test$/, '/sdata/{app}/{contract}')
        .replace(/^\/sdata\/crm$/, '/sdata/{app}')
        .replace(/^\{ep\}\('[^']*'\)/, "{ep}('KEY')")
        .replace(/(\$\w+)\('[^']*'\)/, "$1('ID')");
    for (const r of serverRoutes('K')) expect([r.method, r.url, ENDPOINT_ROUTES[`${r.method === 'HEAD' ? 'GET' : r.method} ${pattern(r.url)}`]]).toEqual([r.method, r.url, r.needs]);
    for (const r of LOGGER_ROUTE_LIST) expect([r.method, r.url, LOGGER_ROUTES[`${r.method} ${pattern(r.url)}`]]).toEqual([r.method, r.url, r.needs]);
    const enginePattern = (url: string) => engineRouteOf(url.replace(/\?.*$/, '')).pattern;
    for (const r of ENGINE_ROUTE_LIST) expect([r.method, r.url, ENGINE_ROUTES[`${r.method} ${enginePattern(r.url)}`]]).toEqual([r.method, r.url, r.needs]);
    // Every line of the engine's table is walked (beside the health probes, answered before any check).
    const walked = new Set(ENGINE_ROUTE_LIST.map((r) => `${r.method} ${enginePattern(r.url)}`));
    expect(Object.keys(ENGINE_ROUTES).filter((r) => !walked.has(r) && ENGINE_ROUTES[r] !== 'public')).toEqual([]);
  });
});
