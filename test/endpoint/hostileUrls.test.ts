/**
 * URLs that once answered 500 (found by fuzzing), each now a 4xx with a diagnosis, fixed where the value is
 * read: a path segment holding U+0000 (no key can), ids beyond 2^53 - 1 (no row has one; PostgreSQL's
 * bigint refused the query), a doubled sort direction, the logger's paging and filters beyond bigint or
 * holding U+0000.
 */
import request from 'supertest';
import { NS } from '../../src/atom/namespaces';
import { child, childrenNamed, parseXml } from '../../src/atom/xml';
import { engineSchema, loggerSchema } from '../../src/config/engineSchema';
import { startEngine, type RunningEngine } from '../../src/engine/daemon';
import { createEngineApp } from '../../src/engine/httpApi';
import { inProcessLocks } from '../../src/engine/routeLock';
import { createLoggerApp } from '../../src/logger/app';
import { securityPolicy } from '../../src/security/policy';
import { describeEachDatabase } from '../support/databases';
import { asText, openTestApp, snapshot, type TestApp } from './support/app';
import { entryWith } from './support/xmlBodies';

const HUGE = '999999999999999999999';
const HUGE_INDEX = '99999999999999999999';
const ENTRY = 'application/atom+xml;type=entry';
const account = entryWith('<account xmlns="urn:sdata-sync:demo"><name>ACME</name></account>');

type Method = 'get' | 'put' | 'post' | 'delete';
const bodyOf = (res: request.Response): string => (typeof res.body === 'string' ? res.body : '');

/** A 4xx whose body is an `sdata:diagnoses` document with a code and a message. */
function expectDiagnosed4xx(res: request.Response): void {
  expect({ status: res.status >= 400 && res.status < 500 ? '4xx' : res.status, body: res.status >= 400 && res.status < 500 ? '' : bodyOf(res).slice(0, 300) }).toEqual({ status: '4xx', body: '' });
  const diagnoses = childrenNamed(parseXml(bodyOf(res)), NS.sdata, 'diagnosis');
  expect(diagnoses.length).toBeGreaterThan(0);
  for (const d of diagnoses) {
    expect(child(d, NS.sdata, 'sdataCode')?.text.trim()).toBeTruthy();
    expect(child(d, NS.sdata, 'message')?.text.trim()).toBeTruthy();
  }
}

const ENDPOINT_CASES: [Method, string][] = [
  ...(['/sdata/crm/test/-/accounts', '/sdata/erp/test/-/orders'] as const).flatMap((ep): [Method, string][] => [
    ['get', `${ep}('%00')`],
    ['put', `${ep}('%00')`],
    ['delete', `${ep}('%00')`],
    ['get', `${ep}('a%00b')`],
    ['get', `${ep}/$conflicts('${HUGE}')`],
    ['post', `${ep}/$conflicts('${HUGE}')/$resolve?action=keep`],
    ['get', `${ep}/$failures('${HUGE}')`],
    ['post', `${ep}/$failures('${HUGE}')/$retry`],
    ['get', `${ep}/$conflicts('9007199254740992')`],
    ['get', `${ep}?orderBy=${encodeURIComponent('number desc desc')}`],
  ]),
  ['get', `/sdata/crm/test/-/accounts?orderBy=${encodeURIComponent('name desc desc')}`],
  ['get', `/sdata/crm/test/-/accounts?orderBy=${encodeURIComponent('name asc desc')}`],
  ['get', `/sdata/crm/test/-/accounts?where=${encodeURIComponent("name eq '")}%00${encodeURIComponent("'")}`],
  ['get', `/sdata/crm/test/-/accounts/$conflicts?where=${encodeURIComponent("runName eq '")}%00${encodeURIComponent("'")}`],
  ['post', `/sdata/crm/test/-/accounts/$syncSource?runName=%00`],
];

const LOGGER_CASES: [Method, string][] = [
  ['get', `/logs/runs?startIndex=${HUGE_INDEX}`],
  ['get', `/logs/events?startIndex=${HUGE_INDEX}`],
  ['get', `/dashboard/data?startIndex=${HUGE_INDEX}`],
  ['get', '/logs/events?runName=%00'],
  ['get', '/logs/runs?runName=%00'],
  ['get', `/logs/events?runId=${HUGE_INDEX}`],
  ['post', `/logs/$syncResults?runName=%00&runStamp=2026-12-01T00:00:00Z`],
  ['post', `/logs/$syncResults?runName=r&runStamp=2026-12-01T00:00:00Z&created=${HUGE_INDEX}`],
];

describeEachDatabase('URLs that once answered 500', (tdb) => {
  let t: TestApp;
  let logger: ReturnType<typeof createLoggerApp>;

  beforeAll(async () => {
    t = await openTestApp(tdb);
    logger = createLoggerApp({ db: t.db, cfg: loggerSchema.parse({}), baseUrl: () => 'http://logger.test', security: securityPolicy({ users: [] }, '127.0.0.1') });
  });

  it.each(ENDPOINT_CASES)('endpoint %s %s: a diagnosed 4xx, nothing changed', async (method, url) => {
    const before = await snapshot(t.db);
    const req = t.http()[method](url);
    const res = await asText(method === 'put' || method === 'post' ? req.set('Content-Type', ENTRY).send(account) : req);
    expectDiagnosed4xx(res);
    expect(await snapshot(t.db)).toEqual(before);
  });

  it.each(LOGGER_CASES)('logger %s %s: a diagnosed 4xx, nothing changed', async (method, url) => {
    const before = await snapshot(t.db);
    const req = request(logger.app)[method](url);
    const res = await asText(method === 'post' ? req.set('Content-Type', 'application/atom+xml;type=feed').send(`<feed xmlns="${NS.atom}"/>`) : req);
    expectDiagnosed4xx(res);
    expect(await snapshot(t.db)).toEqual(before);
  });
});

const NOWHERE = 'http://127.0.0.1:9/sdata/crm/test/-/accounts';

describe("engine listener URLs that once answered an XML diagnosis it could not write", () => {
  let engine: RunningEngine;
  let app: ReturnType<typeof createEngineApp>;

  beforeAll(async () => {
    const cfg = engineSchema.parse({ retry: { attempts: 1 }, routes: [{ name: 'nightly', source: NOWHERE, target: NOWHERE.replace('crm', 'erp'), schedule: '0 0 3 * * *' }] });
    engine = await startEngine(cfg, { locks: inProcessLocks() });
    app = createEngineApp({ routes: engine.routes, registry: engine.metrics.registry, security: securityPolicy({ users: [] }, '127.0.0.1'), baseUrl: () => 'http://engine.test' });
  });
  afterAll(async () => {
    await engine?.stop();
  });

  it.each([
    ['get', '/routes/%00/runs/00000000-0000-4000-8000-000000000000'],
    ['post', '/routes/a%00/$run'],
  ] as const)('%s %s: a diagnosed 4xx', async (method, url) => {
    expectDiagnosed4xx(await asText(request(app)[method](url)));
  });
});
