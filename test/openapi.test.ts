/**
 * openapi/openapi.yaml is a valid OpenAPI 3 document (validated and dereferenced by
 * @apidevtools/swagger-parser) that describes every route of every app, and only those:
 *
 *   served by the app's own routers  ⊆  its role table  ⊆  the document  ⊆  the role tables together
 *
 * "Served" is found without the role table: the routes express holds, and, for the endpoint server's SData
 * router (one middleware that parses URLs itself), by probing it bare (no access control) with every URL
 * shape, service name, action and method; an answer other than 404 BadUrlSyntax or 405 is a route. Then
 * real requests (a success and the main errors per route, on PGlite, security on) are checked against the
 * document: each answer's status must be documented for its operation, with the content type it documents,
 * and a JSON body must fit its documented schema (ajv).
 *
 * Each app is a line of APPS; another app (the engine's listener) is one more line.
 *
 * swagger-parser loads an ES-module dependency that jest's CommonJS runtime cannot require, so the
 * validation runs in a plain Node process, which prints the validated document.
 */
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import Ajv from 'ajv';
import express from 'express';
import { buildResultFeed } from '../src/atom/resultFeed';
import { parseConfig, type Config } from '../src/config/load';
import { createApp, prepareRuntime, startServer } from '../src/endpoint/server';
import { errorMiddleware } from '../src/endpoint/errors';
import { endpointRouteOf } from '../src/endpoint/routeOf';
import { sdataRouter } from '../src/endpoint/router';
import { serviceNames } from '../src/endpoint/services';
import { textBody } from '../src/http/textBody';
import { createLoggerApp, loggerRouteOf } from '../src/logger/app';
import { startLogger } from '../src/logger/service';
import { securityPolicy } from '../src/security/policy';
import { ENDPOINT_ROUTES, ENGINE_ROUTES, LOGGER_ROUTES, type RoleTable } from '../src/security/roles';
import { engineSchema } from '../src/config/engineSchema';
import { startEngine } from '../src/engine/daemon';
import { createEngineApp, engineRouteOf } from '../src/engine/httpApi';
import { startEngineListener } from '../src/engine/listener';
import { inProcessLocks } from '../src/engine/routeLock';
import { describeEachDatabase, type TestDatabase } from './support/databases';
import { testConfig } from './endpoint/support/testConfig';
import { basic, securitySection } from './security/support';

const root = path.join(__dirname, '..');
const file = path.join(root, 'openapi', 'openapi.yaml');

const VALIDATE = `require('@apidevtools/swagger-parser').validate(process.argv[1]).then(
  (api) => process.stdout.write(JSON.stringify({ openapi: api.openapi, paths: api.paths })),
  (err) => { process.stderr.write(err.message); process.exit(1); })`;

type Response = { content?: Record<string, { schema?: object }> };
type Operation = { responses: Record<string, Response>; 'x-roles'?: string[] };
type Api = { openapi: string; paths: Record<string, Record<string, Operation>> };

async function validated(): Promise<Api> {
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', VALIDATE, file], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as Api;
}

const EP_PATH = '/sdata/{app}/{contract}/{dataset}/{kind}';
const METHODS = ['get', 'post', 'put', 'delete'] as const;

/** The role tables' name of a document path. */
const tablePattern = (p: string) =>
  p
    .replace(EP_PATH, '{ep}')
    .replace('/sdata/{app}/{contract}/{dataset}', '{dataset}')
    .replace("('{key}')", "('KEY')")
    .replace(/\('\{(trackingId|id)\}'\)/, "('ID')");

/** Every operation of the document as `METHOD pattern` (role table names), with its document path. */
function documented(api: Api): Map<string, { path: string; op: Operation }> {
  const out = new Map<string, { path: string; op: Operation }>();
  for (const [p, item] of Object.entries(api.paths)) {
    for (const m of METHODS) if (item[m]) out.set(`${m.toUpperCase()} ${tablePattern(p)}`, { path: p, op: item[m] });
  }
  return out;
}

/** A request of a sample: method, URL path (with query), credentials, body. */
interface Sample {
  method: string;
  url: string;
  user?: 'admin' | 'reader';
  body?: { text: string; type: string };
  /** What the user sees. */
  status: number;
}

interface AppUnderTest {
  name: string;
  table: RoleTable;
  /** Errors are sdata:diagnoses only (no JSON form). */
  xmlOnlyErrors: boolean;
  /** `METHOD pattern` of every route the app's own routers serve, found without its role table (at probeGrain). */
  served(tdb: TestDatabase): Promise<string[]>;
  /** The app listening on loopback with security on (users admin and reader), and its samples. */
  start(tdb: TestDatabase, security: Config['security']): Promise<{ url: string; samples: Sample[]; close(): Promise<void> }>;
  /** The role table pattern of a request path. */
  routeOf(pathname: string): string;
}

/** Routes held by express itself (app.get, app.post, ..., in routers too): string paths as they are, RegExp paths as the table patterns they match. */
type Layer = { route?: { path: string | RegExp; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
function expressRoutes(app: express.Express, table: RoleTable): string[] {
  const layersOf = (stack: Layer[]): Layer[] => stack.flatMap((l) => (l.route ? [l] : l.handle?.stack ? layersOf(l.handle.stack) : []));
  const stack = (app as unknown as { router: { stack: Layer[] } }).router.stack;
  return layersOf(stack).flatMap(({ route }) => {
    if (!route) return [];
    return Object.keys(route.methods).flatMap((m) => {
      const method = m.toUpperCase();
      if (typeof route.path === 'string') return [`${method} ${route.path}`];
      const re = route.path;
      const matching = Object.keys(table).filter((r) => r.startsWith(`${method} `) && re.test(r.slice(method.length + 1)));
      return matching.length > 0 ? matching : [`${method} ${re}`];
    });
  });
}

/**
 * The endpoint server's SData router, probed: URL shapes above the services exactly (it checks their methods
 * itself), and each service of its own list (services.ts) by name and method (its handlers take any
 * argument and action, which the role table narrows): `METHOD {ep}/$service*`.
 */
const EP = '/sdata/crm/test/-/accounts';
const SHAPES = ['/sdata', '/sdata/crm', '/sdata/crm/test', '/sdata/crm/test/-', '/sdata/crm/test/-/$schema', '/sdata/crm/test/-/$noSuchService', EP, `${EP}('1')`];
/** Actions after a service argument (`$commit`, `$resolve`, ...), as the role table names them. */
const ACTIONS = [...new Set(Object.keys(ENDPOINT_ROUTES).flatMap((r) => /\)\/(\$\w+)$/.exec(r)?.[1] ?? []))];
const serviceOfRoute = (route: string) => /^(\w+) \{ep\}\/(\$\w+)/.exec(route);
/** A role table route at the probes' grain: `METHOD {ep}/$service*` for a service, else the route itself. */
const probeGrain = (route: string) => {
  const m = serviceOfRoute(route);
  return m ? `${m[1]} {ep}/${m[2]}*` : route;
};

async function listen(app: express.Express): Promise<{ url: string; close(): Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A request not answered (its body included) within this long fails its test, named, instead of the test timing out. */
const ANSWER_WITHIN_MILLIS = 20_000;

/** One request; the body is read unless it is an event stream (which never ends). */
async function send(base: string, s: Omit<Sample, 'status'>, passwords: Record<string, string>): Promise<{ status: number; type: string; body: string; location?: string }> {
  const headers: Record<string, string> = {};
  if (s.user) headers.authorization = basic(s.user, passwords[s.user]);
  if (s.body) headers['content-type'] = s.body.type;
  const abort = new AbortController();
  const signal = AbortSignal.any([abort.signal, AbortSignal.timeout(ANSWER_WITHIN_MILLIS)]);
  try {
    const res = await fetch(`${base}${s.url}`, { method: s.method, headers, body: s.body?.text, signal });
    const type = res.headers.get('content-type') ?? '';
    if (type.startsWith('text/event-stream')) {
      abort.abort();
      return { status: res.status, type, body: '' };
    }
    return { status: res.status, type, body: await res.text(), location: res.headers.get('location') ?? undefined };
  } catch (err) {
    if (signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError') throw new Error(`${s.method} ${s.url}: no answer within ${ANSWER_WITHIN_MILLIS} ms`);
    throw err;
  }
}

const PASSWORDS = { admin: 'admin-pass', reader: 'reader pass é' };
const ENTRY = { type: 'application/atom+xml;type=entry', text: '<entry xmlns="http://www.w3.org/2005/Atom" xmlns:sdata="http://schemas.sage.com/sdata/2008/1"><sdata:payload><account xmlns="urn:sdata-sync:demo"><name>ACME</name></account></sdata:payload></entry>' };
const BROKEN = (type: string) => ({ type, text: '<feed xmlns="http://www.w3.org/2005/Atom"><unclosed></feed>' });
const FEED = 'application/atom+xml;type=feed';

/** A concrete URL of a role table pattern (what a request without credentials is sent to). */
function concrete(pattern: string): string {
  return pattern
    .replace('{ep}', EP)
    .replace('{dataset}', '/sdata/crm/test/-')
    .replace('{app}', 'crm')
    .replace('{contract}', 'test')
    .replace("('KEY')", "('1')")
    .replace("('ID')", "('x')")
    .replace('{name}', 'nightly')
    .replace('{id}', '00000000-0000-4000-8000-000000000000');
}

/** Without credentials, every route that needs a role is answered 401. */
const unauthenticated = (table: RoleTable): Sample[] =>
  Object.entries(table)
    .filter(([, access]) => access !== 'public')
    .map(([route]) => ({ method: route.slice(0, route.indexOf(' ')), url: concrete(route.slice(route.indexOf(' ') + 1)), status: 401 }));

const APPS: AppUnderTest[] = [
  {
    name: 'endpoint server',
    table: ENDPOINT_ROUTES,
    xmlOnlyErrors: false,
    routeOf: (p) => endpointRouteOf(p).pattern,
    async served(tdb) {
      const runtime = await prepareRuntime(testConfig(), { db: await tdb.open() });
      // The SData router alone: no access control between the probes and the handlers.
      const bare = express().use(textBody(runtime.cfg.server.bodyLimitBytes)).use(sdataRouter(runtime)).use(errorMiddleware(runtime.log));
      const server = await listen(bare);
      const found: string[] = [];
      const served = (r: { status: number; body: string }) => !(r.status === 405 || (r.status === 404 && r.body.includes('<sdata:sdataCode>BadUrlSyntax</sdata:sdataCode>')));
      const probe = (method: string, url: string) => send(server.url, { method, url, ...(method === 'POST' || method === 'PUT' ? { body: { type: 'application/xml', text: '<x/>' } } : {}) }, {});
      try {
        // The probes of one method are sent together: whether a route is served (neither 405 nor BadUrlSyntax)
        // is decided by routing, never by what another probe did.
        for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
          const shapes = await Promise.all(SHAPES.map((url) => probe(method, url)));
          SHAPES.forEach((url, i) => {
            if (served(shapes[i])) found.push(`${method} ${endpointRouteOf(url).pattern}`);
          });
          const services = [...serviceNames(), '$noSuchService'];
          const answers = await Promise.all(services.map((service) => Promise.all([`${EP}/${service}`, `${EP}/${service}('x')`, ...ACTIONS.map((a) => `${EP}/${service}('x')/${a}`)].map((url) => probe(method, url)))));
          services.forEach((service, i) => {
            if (answers[i].some(served)) found.push(`${method} {ep}/${service}*`);
          });
        }
      } finally {
        await server.close();
        // The probes' $syncNotify streams made the hub listen to the database: stop it.
        await runtime.digestHub.close();
      }
      return [...expressRoutes(createApp(runtime), ENDPOINT_ROUTES), ...found];
    },
    async start(tdb, security) {
      const cfg = { ...testConfig(), security };
      const running = await startServer({ ...cfg, server: { ...cfg.server, host: '127.0.0.1' } }, { db: await tdb.open(), port: 0 });
      const created = await send(running.url, { method: 'POST', url: EP, user: 'admin', body: ENTRY }, PASSWORDS);
      const location = new URL(created.location!);
      const key = decodeURIComponent(location.pathname).slice(decodeURIComponent(new URL(EP, running.url).pathname).length);
      const samples: Sample[] = [
        { method: 'GET', url: '/', status: 200 },
        { method: 'GET', url: '/healthz', status: 200 },
        { method: 'GET', url: '/readyz', status: 200 },
        { method: 'GET', url: '/metrics', user: 'reader', status: 200 },
        { method: 'GET', url: '/sdata', user: 'reader', status: 200 },
        { method: 'GET', url: '/sdata/crm', user: 'reader', status: 200 },
        { method: 'GET', url: '/sdata/nope', user: 'reader', status: 404 },
        { method: 'GET', url: '/sdata/crm/test', user: 'reader', status: 200 },
        { method: 'GET', url: '/sdata/crm/test/-', user: 'reader', status: 200 },
        { method: 'GET', url: '/sdata/crm/test/-/$schema', user: 'reader', status: 200 },
        { method: 'GET', url: EP, user: 'reader', status: 200 },
        { method: 'GET', url: `${EP}?format=json`, user: 'reader', status: 200 },
        { method: 'GET', url: `${EP}?bogus=1`, user: 'reader', status: 400 },
        { method: 'POST', url: EP, user: 'reader', body: ENTRY, status: 403 },
        { method: 'POST', url: EP, user: 'admin', body: ENTRY, status: 201 },
        { method: 'POST', url: EP, user: 'admin', body: BROKEN('application/atom+xml;type=entry'), status: 400 },
        { method: 'GET', url: `${EP}${key}`, user: 'reader', status: 200 },
        { method: 'GET', url: `${EP}('999999')`, user: 'reader', status: 404 },
        { method: 'PUT', url: `${EP}${key}`, user: 'admin', body: ENTRY, status: 200 },
        { method: 'DELETE', url: `${EP}${key}`, user: 'admin', status: 200 },
        { method: 'POST', url: `${EP}/$batch`, user: 'admin', body: BROKEN(FEED), status: 400 },
        { method: 'POST', url: `${EP}/$batch?format=json`, user: 'admin', body: { type: 'application/json', text: '{"$resources":[{"$httpMethod":"POST","name":"B"},{"$httpMethod":"GET","$key":"999999"}]}' }, status: 200 },
        { method: 'GET', url: `${EP}/$schema`, user: 'reader', status: 200 },
        { method: 'GET', url: `${EP}/$template`, user: 'reader', status: 200 },
        { method: 'GET', url: `${EP}/$syncDigest`, user: 'reader', status: 200 },
        { method: 'PUT', url: `${EP}/$syncDigest`, user: 'admin', body: BROKEN('application/atom+xml;type=entry'), status: 400 },
        { method: 'PUT', url: `${EP}/$syncDigest?format=json`, user: 'admin', body: { type: 'application/json', text: '{"digestEntry":[{"tick":1}]}' }, status: 400 },
        { method: 'PUT', url: `${EP}/$syncDigest?format=json`, user: 'admin', body: { type: 'application/json', text: '{"digestEntry":[{"endpoint":"http://other.test/sdata/erp/test/-/accounts","tick":3}]}' }, status: 200 },
        { method: 'GET', url: `${EP}/$syncNotify`, user: 'reader', status: 200 },
        { method: 'POST', url: `${EP}/$syncSource?trackingID=t1`, user: 'admin', body: BROKEN('application/atom+xml;type=entry'), status: 400 },
        { method: 'GET', url: `${EP}/$syncSource('unknown')`, user: 'admin', status: 404 },
        { method: 'DELETE', url: `${EP}/$syncSource('unknown')`, user: 'admin', status: 404 },
        { method: 'POST', url: `${EP}/$syncTarget?trackingID=t2`, user: 'admin', body: BROKEN(FEED), status: 400 },
        { method: 'GET', url: `${EP}/$syncTarget('unknown')`, user: 'admin', status: 404 },
        { method: 'DELETE', url: `${EP}/$syncTarget('unknown')`, user: 'admin', status: 404 },
        { method: 'POST', url: `${EP}/$syncTarget('unknown')/$commit`, user: 'admin', status: 404 },
        { method: 'POST', url: `${EP}/$syncTarget('unknown')/$abort`, user: 'admin', status: 404 },
        { method: 'POST', url: `${EP}/$syncResults`, user: 'admin', body: BROKEN(FEED), status: 400 },
        { method: 'GET', url: `${EP}/$syncResults`, user: 'reader', status: 200 },
        { method: 'GET', url: `${EP}/$conflicts`, user: 'reader', status: 200 },
        { method: 'GET', url: `${EP}/$conflicts('999')`, user: 'reader', status: 404 },
        { method: 'POST', url: `${EP}/$conflicts('999')/$resolve`, user: 'admin', status: 400 },
        { method: 'GET', url: `${EP}/$failures`, user: 'reader', status: 200 },
        { method: 'GET', url: `${EP}/$failures('999')`, user: 'reader', status: 404 },
        { method: 'POST', url: `${EP}/$failures('999')/$retry`, user: 'admin', status: 404 },
        { method: 'GET', url: `${EP}/$linked`, user: 'reader', status: 200 },
        { method: 'GET', url: `${EP}/$linked?format=json`, user: 'reader', status: 200 },
        { method: 'GET', url: `${EP}/$linked('x')`, user: 'reader', status: 400 },
        { method: 'GET', url: `${EP}/$linked('00000000-0000-4000-8000-000000000001')`, user: 'reader', status: 404 },
        { method: 'POST', url: `${EP}/$linked`, user: 'reader', body: ENTRY, status: 403 },
        { method: 'POST', url: `${EP}/$linked`, user: 'admin', body: BROKEN('application/atom+xml;type=entry'), status: 400 },
        { method: 'POST', url: `${EP}/$linked`, user: 'admin', body: { type: 'application/json', text: '{"$key":"nope"}' }, status: 404 },
        { method: 'DELETE', url: `${EP}/$linked('00000000-0000-4000-8000-000000000001')`, user: 'admin', status: 404 },
        ...unauthenticated(ENDPOINT_ROUTES),
      ];
      return { url: running.url, samples, close: () => running.close() };
    },
  },
  {
    name: 'event logger',
    table: LOGGER_ROUTES,
    xmlOnlyErrors: true,
    routeOf: (p) => loggerRouteOf(p).pattern,
    async served(tdb) {
      const cfg = parseConfig({}, {});
      const { app } = createLoggerApp({ db: await tdb.open(), cfg: cfg.logger, baseUrl: () => 'http://127.0.0.1:3100', security: securityPolicy(cfg.security, '127.0.0.1') });
      return expressRoutes(app, LOGGER_ROUTES);
    },
    async start(tdb, security) {
      const cfg = parseConfig({ logger: { port: 0 }, security }, {});
      const running = await startLogger(cfg, { db: await tdb.open(), port: 0 });
      const run = 'runName=r&runStamp=2026-12-01T10:00:00Z&source=http://a.test/sdata/crm/test/-/accounts&target=http://b.test/sdata/erp/test/-/accounts&kind=accounts&state=done';
      const results = buildResultFeed({ id: 'http://b.test/x', title: 'results', updated: new Date().toISOString(), entries: [], diagnoses: [{ severity: 'Error', sdataCode: 'ApplicationDiagnosis', message: 'failed' }] });
      const samples: Sample[] = [
        { method: 'GET', url: '/healthz', status: 200 },
        { method: 'GET', url: '/readyz', status: 200 },
        { method: 'POST', url: `/logs/$syncResults?${run}`, user: 'admin', body: { type: FEED, text: results }, status: 200 },
        { method: 'POST', url: `/logs/$syncResults?${run}`, user: 'admin', body: BROKEN(FEED), status: 400 },
        { method: 'POST', url: `/logs/$syncResults?${run}`, user: 'reader', body: { type: FEED, text: results }, status: 403 },
        { method: 'GET', url: '/logs/runs', user: 'reader', status: 200 },
        { method: 'GET', url: '/logs/runs?state=bogus', user: 'reader', status: 400 },
        { method: 'GET', url: '/logs/events?severity=Error', user: 'reader', status: 200 },
        { method: 'GET', url: '/logs/events?requestId=a%20b', user: 'reader', status: 400 },
        { method: 'GET', url: '/metrics', user: 'reader', status: 200 },
        { method: 'GET', url: '/dashboard', user: 'reader', status: 200 },
        { method: 'GET', url: '/dashboard/dashboard.js', user: 'reader', status: 200 },
        { method: 'GET', url: '/dashboard/dashboard.css', user: 'reader', status: 200 },
        { method: 'GET', url: '/dashboard/data', user: 'reader', status: 200 },
        { method: 'GET', url: '/dashboard/data?count=0', user: 'reader', status: 400 },
        { method: 'POST', url: '/dashboard/resolve', user: 'reader', body: { type: 'application/json', text: '{"endpoint":"http://nowhere.test/sdata/a/b/-/k","id":"1","action":"keep"}' }, status: 400 },
        { method: 'POST', url: '/dashboard/retry', user: 'reader', body: { type: 'application/json', text: '{"id":"x"}' }, status: 400 },
        ...unauthenticated(LOGGER_ROUTES),
      ];
      return { url: running.url.replace('localhost', '127.0.0.1'), samples, close: () => running.close() };
    },
  },
  {
    name: 'engine listener',
    table: ENGINE_ROUTES,
    xmlOnlyErrors: false,
    routeOf: (p) => engineRouteOf(p).pattern,
    async served() {
      const engine = await startEngine(engineSchema.parse({ routes: [] }), { locks: inProcessLocks() });
      try {
        return expressRoutes(createEngineApp({ routes: engine.routes, registry: engine.metrics.registry, security: securityPolicy(parseConfig({}, {}).security, '127.0.0.1'), baseUrl: () => 'http://engine.test' }), ENGINE_ROUTES);
      } finally {
        await engine.stop();
      }
    },
    async start(_tdb, security) {
      // A scheduled route to an endpoint that answers nothing (port 9): its run fails, quickly.
      const nowhere = 'http://127.0.0.1:9/sdata/crm/test/-/accounts';
      const cfg = parseConfig({ security, engine: { retry: { attempts: 1 }, http: { host: '127.0.0.1', port: 0 }, routes: [{ name: 'nightly', source: nowhere, target: nowhere.replace('crm', 'erp'), schedule: '0 0 3 * * *' }] } }, {});
      const engine = await startEngine(cfg.engine, { locks: inProcessLocks() });
      const listener = await startEngineListener(cfg, engine, { port: 0 });
      const started = await send(listener.url, { method: 'POST', url: '/routes/nightly/$run', user: 'admin' }, PASSWORDS);
      const samples: Sample[] = [
        { method: 'GET', url: '/healthz', status: 200 },
        { method: 'GET', url: '/readyz', status: 200 },
        { method: 'GET', url: '/metrics', user: 'reader', status: 200 },
        { method: 'GET', url: '/routes', user: 'reader', status: 200 },
        { method: 'GET', url: '/routes?format=atom', user: 'reader', status: 200 },
        { method: 'GET', url: '/routes?format=csv', user: 'reader', status: 400 },
        { method: 'POST', url: '/routes/nightly/$run', user: 'reader', status: 403 },
        { method: 'POST', url: '/routes/nosuch/$run', user: 'admin', status: 404 },
        { method: 'GET', url: started.location!, user: 'reader', status: 200 },
        { method: 'GET', url: '/routes/nightly/runs/00000000-0000-4000-8000-000000000000', user: 'reader', status: 404 },
        ...unauthenticated(ENGINE_ROUTES),
      ];
      expect(started.status).toBe(202);
      return {
        url: listener.url,
        samples,
        async close() {
          await listener.close();
          await engine.stop();
        },
      };
    },
  },
];

/** A content type without its charset, spaces and case (`application/atom+xml;type=feed`). */
const normalType = (t: string) =>
  t
    .toLowerCase()
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p && !p.startsWith('charset='))
    .join(';');

/** OpenAPI 3.0 schemas are JSON Schema with extensions (example, format xml, nullable): those are not checked. */
const ajv = new Ajv({ strict: false, validateFormats: false });
let api: Api;
let ops: Map<string, { path: string; op: Operation }>;

beforeAll(async () => {
  api = await validated();
  ops = documented(api);
});

describe('openapi/openapi.yaml', () => {
  it('is a valid OpenAPI 3 document', () => {
    expect(api.openapi).toMatch(/^3\./);
  });

  it('describes nothing that no app serves', () => {
    const listed = new Set(APPS.flatMap((a) => Object.keys(a.table)));
    expect([...ops.keys()].filter((route) => !listed.has(route))).toEqual([]);
  });

  it('answers every error with an sdata:diagnoses body, or its JSON form where the app writes one (health probes: XML only)', () => {
    // A route that an app writing JSON errors serves too (GET /metrics) documents both forms.
    const withJson = new Set(APPS.filter((a) => !a.xmlOnlyErrors).flatMap((a) => Object.keys(a.table)));
    const xmlOnly = new Set(['GET /healthz', 'GET /readyz', ...APPS.filter((a) => a.xmlOnlyErrors).flatMap((a) => Object.keys(a.table)).filter((r) => !withJson.has(r))]);
    for (const [route, { op }] of ops) {
      for (const [status, response] of Object.entries(op.responses)) {
        const types = xmlOnly.has(route) ? ['application/xml'] : ['application/xml', 'application/json'];
        if (Number(status) >= 400) expect([`${route} ${status}`, Object.keys(response.content ?? {})]).toEqual([`${route} ${status}`, types]);
      }
    }
  });
});

describe.each(APPS)('the $name', (app) => {
  it.each(Object.entries(app.table))('documents %s with its roles (x-roles), and its 401 and 403 answers', (route, access) => {
    const found = ops.get(route);
    expect([route, found !== undefined]).toEqual([route, true]);
    expect(found!.op['x-roles']).toEqual(typeof access === 'string' ? [access] : access);
    if (access !== 'public') expect(Object.keys(found!.op.responses)).toEqual(expect.arrayContaining(['401', '403']));
  });

  describeEachDatabase('serves', (tdb) => {
    it('only routes of its role table (found from its own routers, without the table)', async () => {
      const served = [...new Set(await app.served(tdb))];
      expect(served.length).toBeGreaterThan(0);
      const listed = new Set(Object.keys(app.table).map(probeGrain));
      expect(served.filter((r) => !listed.has(r))).toEqual([]);
      // The health probes are answered before the app, by the start-up gate; every other table route is served.
      expect([...listed].filter((r) => !served.includes(r) && !['GET /healthz', 'GET /readyz'].includes(r))).toEqual([]);
    });
  });

  describeEachDatabase('answers', (tdb) => {
    let running: Awaited<ReturnType<AppUnderTest['start']>>;
    beforeAll(async () => {
      running = await app.start(tdb, parseConfig({ security: await securitySection([
        { name: 'admin', password: PASSWORDS.admin, roles: ['admin'] },
        { name: 'reader', password: PASSWORDS.reader, roles: ['read'] },
      ]) }, {}).security);
    });
    afterAll(async () => {
      await running?.close();
    });

    it('real requests with a status and a content type the document gives for their operation', async () => {
      const checked: string[] = [];
      for (const s of running.samples) {
        const answer = await send(running.url, s, PASSWORDS);
        const route = `${s.method} ${app.routeOf(new URL(s.url, 'http://x').pathname)}`;
        const what = `${s.method} ${s.url} (${s.user ?? 'no credentials'})`;
        expect([what, answer.status]).toEqual([what, s.status]);
        const documentedOp = ops.get(route);
        expect([what, route, documentedOp !== undefined]).toEqual([what, route, true]);
        const response = documentedOp!.op.responses[String(answer.status)] ?? documentedOp!.op.responses.default;
        expect([what, answer.status, response !== undefined]).toEqual([what, answer.status, true]);
        const types = Object.keys(response.content ?? {}).map(normalType);
        if (types.length === 0) expect([what, answer.body]).toEqual([what, '']);
        else expect([what, types]).toEqual([what, expect.arrayContaining([normalType(answer.type)])]);
        // A JSON body is checked against its documented schema (XML bodies: their content type only).
        const schema = Object.entries(response.content ?? {}).find(([t]) => normalType(t) === normalType(answer.type))?.[1].schema;
        if (normalType(answer.type) === 'application/json' && schema) {
          const validate = ajv.compile(schema);
          expect([what, validate(JSON.parse(answer.body)) ? [] : validate.errors]).toEqual([what, []]);
        }
        checked.push(route);
      }
      // Every route of the table got at least one real request.
      expect(Object.keys(app.table).filter((r) => !checked.includes(r))).toEqual([]);
    });
  });
});
