/**
 * Fuzz suite over every route of the three HTTP servers: the endpoint server, the event logger and the
 * engine's listener (the routes of their role tables, src/security/roles.ts), each URL part real or hostile,
 * query parameters (every name openapi/openapi.yaml lists, and unknown ones) given hostile values (NUL, huge
 * and negative integers, non-numbers, doubled words, very long strings, percent-encoded junk), and resource
 * POST and PUT with damaged SData JSON bodies (wrong types, huge numbers, deep nesting, many keys, forbidden
 * characters). Whatever arrives, the answer is never a 5xx, and a 4xx carries a diagnosis (an
 * `sdata:diagnoses` document, or `$diagnoses` in JSON) with a code and a message; but a 431, which Node's
 * HTTP parser answers without a body to a request head over 16 KB before the app sees it.
 *
 * FUZZ_ROUTE_RUNS=n draws n requests per server and n JSON bodies (default 40; 1500 in `npm run test:soak`, 6,000
 * requests). FUZZ_SEED=s replays the run a failure names (fast-check prints its seed and path).
 * FUZZ_SKIP_CLASSES=forbiddenCharacters leaves characters XML forbids out of the JSON values.
 */
import fc from 'fast-check';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { NS } from '../../src/atom/namespaces';
import { child, childrenNamed, parseXml } from '../../src/atom/xml';
import { engineSchema, loggerSchema } from '../../src/config/engineSchema';
import { startEngine, type RunningEngine } from '../../src/engine/daemon';
import { createEngineApp } from '../../src/engine/httpApi';
import { inProcessLocks } from '../../src/engine/routeLock';
import { createLoggerApp } from '../../src/logger/app';
import { ENDPOINT_ROUTES, ENGINE_ROUTES, LOGGER_ROUTES, type RoleTable } from '../../src/security/roles';
import { securityPolicy } from '../../src/security/policy';
import { describeEachDatabase } from '../support/databases';
import { applyJsonDamage, jsonDamageArb, openApiQueryNames, queryArb, urlArb, urlPartArb, type HostileClasses } from '../support/hostileRequests';
import { asText, openTestApp, type TestApp } from './support/app';
import { entryWith } from './support/xmlBodies';

const RUNS = Number(process.env.FUZZ_ROUTE_RUNS ?? 40);
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
jest.setTimeout(Math.max(60_000, RUNS * 4 * 1_000));

const skipped = (process.env.FUZZ_SKIP_CLASSES ?? '').split(',').filter(Boolean);
const CLASSES: HostileClasses = { forbiddenCharacters: !skipped.includes('forbiddenCharacters') };

/** No answer may take longer (a guard against a pathology, far above the usual few milliseconds). */
const ANSWER_WITHIN_MILLIS = 10_000;
const NOWHERE = 'http://127.0.0.1:9/sdata/crm/test/-/accounts';
const ALL_QUERY_NAMES = [...openApiQueryNames(), 'entries', 'created', 'updated', 'deleted', 'conflicts', 'failures', 'skipped', 'votes'];
/** The query parameters of each server's own routes, drawn most often. */
const QUERY_NAMES = {
  endpoint: openApiQueryNames((p) => p === '/' || p.startsWith('/sdata')),
  logger: [...openApiQueryNames((p) => p.startsWith('/logs') || p.startsWith('/dashboard')), 'entries', 'created', 'updated', 'deleted', 'conflicts', 'failures', 'skipped', 'votes'],
  engine: openApiQueryNames((p) => p.startsWith('/routes')),
};
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;
type Method = (typeof METHODS)[number];

const account = entryWith('<account xmlns="urn:sdata-sync:demo"><name>ACME</name></account>');
const ACCOUNT_JSON = { $name: 'account', name: 'ACME', email: 'acme@example.test', balance: '12.50', active: true };
const ORDER_JSON = { $name: 'order', number: 'N-1', quantity: 3, total: '9.95', paid: false, placedOn: '2026-11-30', placedAt: '2026-11-30T10:00:00Z', lines: { $resources: [{ product: 'bolt', qty: 2 }] } };

/** One request: a route of a table, its URL, the method (mostly the route's own) and a body. */
interface Drawn {
  method: Method;
  url: string;
  body?: { type: string; text: string };
}

/** Requests over the routes of `table`, with `parts` the real values of the URL parts. */
function requestArb(table: RoleTable, queryNames: string[], parts: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<Drawn> {
  const routes = Object.keys(table).map((r) => [r.slice(0, r.indexOf(' ')) as Method, r.slice(r.indexOf(' ') + 1)] as const);
  const body = fc.option(
    fc.oneof(
      fc.constant({ type: 'application/atom+xml;type=entry', text: account }),
      fc.constant({ type: 'application/json', text: JSON.stringify(ACCOUNT_JSON) }),
      fc.constantFrom('', 'null', '{', '<x/>', 'x'.repeat(5000), ...(CLASSES.forbiddenCharacters ? ['\u0000', '{"a":"\u0000"}', '\uFFFF'] : [])).map((text) => ({ type: 'application/json', text })),
    ),
    { nil: undefined },
  );
  return fc
    .tuple(fc.constantFrom(...routes), fc.option(fc.constantFrom(...METHODS), { nil: undefined, freq: 5 }), fc.nat(), queryArb(queryNames.length > 0 ? queryNames : ALL_QUERY_NAMES, ALL_QUERY_NAMES, CLASSES), body)
    .chain(([[method, pattern], otherMethod, , query, b]) =>
      urlArb(pattern, parts, CLASSES).map((path) => ({ method: otherMethod ?? method, url: query ? `${path}?${query}` : path, body: b ?? undefined })),
    );
}

/** Serves `app` on a free loopback port (requests go out as they are: no client library rewrites their paths). */
async function listen(app: Express): Promise<Server> {
  const server = createServer(app);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return server;
}

/** Sends a drawn request as it is; a stream (`text/event-stream`) is read up to its headers and closed. */
function send(server: Server, d: Drawn): Promise<{ status: number; type: string; text: string }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = d.body ? { 'Content-Type': d.body.type, 'Content-Length': Buffer.byteLength(d.body.text) } : {};
    const req = httpRequest({ host: '127.0.0.1', port, method: d.method, path: d.url, headers, timeout: ANSWER_WITHIN_MILLIS * 2 }, (res) => {
      const type = String(res.headers['content-type'] ?? '');
      if (type.startsWith('text/event-stream')) {
        res.destroy();
        resolve({ status: res.statusCode ?? 0, type, text: '' });
        return;
      }
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${ANSWER_WITHIN_MILLIS * 2} ms`)));
    req.on('error', reject);
    req.end(d.body?.text);
  });
}

/** Why the answer breaks the rule (a 5xx; a 4xx without a diagnosis), or undefined when it keeps it. */
function brokenRule(res: { status: number; type: string; text: string }): string | undefined {
  if (res.status >= 500) return `${res.status}: ${res.text.slice(0, 300)}`;
  // Node's HTTP parser answers 431 (no body) to a request head over its 16 KB limit before any handler runs.
  if (res.status < 400 || res.status === 431) return undefined;
  const diagnoses: { sdataCode?: unknown; message?: unknown }[] = [];
  if (res.type.startsWith('application/json')) {
    diagnoses.push(...((JSON.parse(res.text) as { $diagnoses?: { sdataCode?: unknown; message?: unknown }[] }).$diagnoses ?? []));
  } else {
    for (const d of childrenNamed(parseXml(res.text), NS.sdata, 'diagnosis')) diagnoses.push({ sdataCode: child(d, NS.sdata, 'sdataCode')?.text.trim(), message: child(d, NS.sdata, 'message')?.text.trim() });
  }
  if (diagnoses.length === 0) return `${res.status} without a diagnosis: ${res.text.slice(0, 300)}`;
  if (diagnoses.some((d) => !d.sdataCode || !d.message)) return `${res.status} with a diagnosis lacking a code or a message: ${res.text.slice(0, 300)}`;
  return undefined;
}

async function checkAnswer(server: Server, d: Drawn): Promise<void> {
  const started = Date.now();
  const res = await send(server, d);
  expect(Date.now() - started).toBeLessThan(ANSWER_WITHIN_MILLIS);
  expect({ request: `${d.method} ${d.url.slice(0, 300)}`, broken: brokenRule(res) }).toEqual({ request: `${d.method} ${d.url.slice(0, 300)}`, broken: undefined });
}

const options = { numRuns: RUNS, seed: SEED };

describeEachDatabase('fuzzed routes, query parameters and JSON bodies', (tdb) => {
  let t: TestApp;
  let logger: ReturnType<typeof createLoggerApp>;
  let engine: RunningEngine;
  let engineApp: Express;
  const servers: Record<'endpoint' | 'logger' | 'engine', Server> = {} as never;

  beforeAll(async () => {
    t = await openTestApp(tdb);
    logger = createLoggerApp({ db: t.db, cfg: loggerSchema.parse({}), baseUrl: () => 'http://logger.test', security: securityPolicy({ users: [] }, '127.0.0.1') });
    const cfg = engineSchema.parse({ retry: { attempts: 1 }, routes: [{ name: 'nightly', source: NOWHERE, target: NOWHERE.replace('crm', 'erp'), schedule: '0 0 3 * * *' }] });
    engine = await startEngine(cfg, { locks: inProcessLocks() });
    engineApp = createEngineApp({ routes: engine.routes, registry: engine.metrics.registry, security: securityPolicy({ users: [] }, '127.0.0.1'), baseUrl: () => 'http://engine.test' });
    servers.endpoint = await listen(t.app);
    servers.logger = await listen(logger.app);
    servers.engine = await listen(engineApp);
    for (const name of ['ACME', 'Globex']) expect((await asText(t.http().post('/sdata/crm/test/-/accounts').set('Content-Type', 'application/atom+xml;type=entry').send(entryWith(`<account xmlns="urn:sdata-sync:demo"><name>${name}</name></account>`)))).status).toBe(201);
  });
  afterAll(async () => {
    for (const s of Object.values(servers)) s.closeAllConnections();
    await Promise.all(Object.values(servers).map((s) => new Promise((ok) => s.close(ok))));
    await engine?.stop();
  });

  const endpointParts = {
    ep: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('/sdata/crm/test/-/accounts', '/sdata/erp/test/-/accounts', '/sdata/crm/test/-/orders', '/sdata/erp/test/-/orders') },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('crm', 'erp'), urlPartArb(CLASSES)).map(([a, kind]) => `/sdata/${a}/test/-/${kind}`) },
    ),
    dataset: fc.oneof(fc.constantFrom('/sdata/crm/test/-', '/sdata/erp/test/-'), urlPartArb(CLASSES).map((d) => `/sdata/crm/test/${d}`)),
    app: fc.constantFrom('crm', 'erp', 'nope'),
    contract: fc.constantFrom('test', 'nope'),
    KEY: fc.constantFrom('1', '2', 'ERP00001', '999', "a''b"),
    ID: fc.constantFrom('1', '00000000-0000-4000-8000-000000000000', '0', '18446744073709551616'),
  };

  it(`every endpoint server route: no 5xx, every 4xx diagnosed (seed ${SEED})`, async () => {
    await fc.assert(fc.asyncProperty(requestArb(ENDPOINT_ROUTES, QUERY_NAMES.endpoint, endpointParts), (d) => checkAnswer(servers.endpoint, d)), options);
  });

  it(`every event logger route: no 5xx, every 4xx diagnosed (seed ${SEED})`, async () => {
    await fc.assert(fc.asyncProperty(requestArb(LOGGER_ROUTES, QUERY_NAMES.logger, {}), (d) => checkAnswer(servers.logger, d)), options);
  });

  it(`every engine listener route: no 5xx, every 4xx diagnosed (seed ${SEED})`, async () => {
    const parts = { name: fc.constantFrom('nightly', 'unknown', 'x'.repeat(300)), id: fc.constantFrom('00000000-0000-4000-8000-000000000000', '1') };
    await fc.assert(fc.asyncProperty(requestArb(ENGINE_ROUTES, QUERY_NAMES.engine, parts), (d) => checkAnswer(servers.engine, d)), options);
  });

  it(`resource POST and PUT with damaged JSON bodies: no 5xx, every 4xx diagnosed (seed ${SEED})`, async () => {
    const target = fc.constantFrom(
      { method: 'POST' as const, url: '/sdata/crm/test/-/accounts', entry: ACCOUNT_JSON },
      { method: 'PUT' as const, url: "/sdata/crm/test/-/accounts('1')", entry: ACCOUNT_JSON },
      { method: 'POST' as const, url: '/sdata/crm/test/-/orders', entry: ORDER_JSON },
      { method: 'POST' as const, url: '/sdata/erp/test/-/orders', entry: ORDER_JSON },
    );
    const drawn = target.chain((tg) => jsonDamageArb(Object.keys(tg.entry), CLASSES).map((damage): Drawn => ({ method: tg.method, url: `${tg.url}?format=json`, body: { type: 'application/json', text: applyJsonDamage(tg.entry, damage) } })));
    await fc.assert(fc.asyncProperty(drawn, (d) => checkAnswer(servers.endpoint, d)), options);
  });
});
