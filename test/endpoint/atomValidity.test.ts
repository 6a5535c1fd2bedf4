/**
 * Every kind of feed and entry the product writes, fetched over HTTP as an integrator's feed reader would,
 * is valid Atom by the MUST rules of RFC 4287 (test/support/atomMust.ts): intermediate URLs, resource feeds
 * and entries, $template, $syncDigest, $batch answers, sync feed pages (with entries and empty), result
 * feeds, $conflicts, $failures and $syncResults listings and entries, and the event logger's feeds.
 */
import request from 'supertest';
import { describeEachDatabase } from '../support/databases';
import { atomViolations } from '../support/atomMust';
import { asText, openTestApp, type TestApp } from './support/app';
import { CRM, ERP } from './support/testConfig';
import { getDigestXml, pathOf, settle, syncByHand } from '../support/syncByHand';
import { NS } from '../../src/atom/namespaces';
import { childrenNamed, parseXml } from '../../src/atom/xml';
import { securityPolicy } from '../../src/security/policy';
import { createLoggerApp } from '../../src/logger/app';
import { loggerSchema } from '../../src/config/engineSchema';

const A = `${CRM}/accounts`;
const B = `${ERP}/accounts`;
const account = (name: string, extra = '') => `<entry xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}"><sdata:payload><account xmlns="urn:sdata-sync:demo"><name>${name}</name>${extra}</account></sdata:payload></entry>`;
const entryCount = (xml: string) => childrenNamed(parseXml(xml), NS.atom, 'entry').length;

describe('the RFC 4287 checker', () => {
  const feed = (inner: string, head = '<author><name>a</name></author>') =>
    `<feed xmlns="${NS.atom}"><id>urn:f</id><title>f</title><updated>2026-11-22T12:00:00Z</updated>${head}${inner}</feed>`;
  const entry = (inner: string) => `<entry><id>urn:e</id><title>e</title><updated>2026-11-22T12:00:00Z</updated>${inner}</entry>`;

  it('accepts a minimal valid feed and refuses each broken MUST', () => {
    expect(atomViolations(feed(entry('<content type="text">x</content>')))).toEqual([]);
    expect(atomViolations(feed(entry('<content>x</content>'), ''))).toEqual([
      'feed: one or more atom:author unless every entry has one (4.1.1)',
      'feed/entry[1]: an entry names an author, or its feed or source does (4.1.2)',
    ]);
    expect(atomViolations(feed(entry('')))).toEqual(['feed/entry[1]: an entry without atom:content has a rel="alternate" link (4.1.2)']);
    expect(atomViolations(feed(entry('<link rel="alternate" href="http://x"/>')))).toEqual([]);
    expect(atomViolations(feed('<entry><title>e</title><updated>2026-11-22T12:00:00Z</updated><content>x</content></entry>'))).toEqual(['feed/entry[1]: exactly one atom:id, found 0 (4.1.2)']);
    expect(atomViolations(feed(entry('<content>x</content>')).replace('2026-11-22T12:00:00Z', '22/11/2026'))).toEqual(["feed/updated: '22/11/2026' is not an RFC 3339 date-time (3.3)"]);
    expect(atomViolations(`<entry xmlns="${NS.atom}"><id>urn:e</id><title>e</title><updated>2026-11-22T12:00:00Z</updated><content>x</content></entry>`)).toEqual([
      'entry: an entry names an author, or its feed or source does (4.1.2)',
    ]);
    expect(atomViolations(feed('<entry><id>urn:e</id><title>e</title><updated>2026-11-22T12:00:00Z</updated><content src="http://x/y" type="image/png"/></entry>'))).toEqual([
      'feed/entry[1]: content with src or of a non-textual type needs atom:summary (4.1.2)',
    ]);
  });
});

describeEachDatabase('every feed and entry is valid Atom (RFC 4287)', (tdb) => {
  let t: TestApp;
  /** The result feed of the page with a quarantined entry (it carries an Error diagnosis for the logger). */
  let failureResults = '';
  const get = async (url: string, status = 200): Promise<string> => {
    const res = await asText(t.http().get(pathOf(url)));
    expect(res.status).toBe(status);
    return res.body as string;
  };
  const expectValid = (what: string, xml: string) => expect({ what, violations: atomViolations(xml) }).toEqual({ what, violations: [] });

  beforeAll(async () => {
    t = await openTestApp(tdb);
  });

  it('intermediate URLs, resources, $template and $syncDigest', async () => {
    for (const url of ['http://sdata.test/sdata', 'http://sdata.test/sdata/crm', 'http://sdata.test/sdata/crm/test', CRM]) expectValid(url, await get(url));
    const created = await asText(t.http().post(pathOf(A)).set('Content-Type', 'application/atom+xml;type=entry').send(account('ACME', '<balance>12.50</balance>')));
    expect(created.status).toBe(201);
    expectValid('POST answer', created.body as string);
    const location = created.headers.location as string;
    expectValid('GET entry', await get(location));
    const put = await asText(t.http().put(pathOf(location)).set('Content-Type', 'application/atom+xml;type=entry').send(account('ACME 2')));
    expectValid('PUT answer', put.body as string);
    const feed = await get(A);
    expect(entryCount(feed)).toBe(1);
    expectValid('resource feed', feed);
    expectValid('empty resource feed', await get(`${CRM}/orders`));
    expectValid('$template', await get(`${A}/$template`));
    expectValid('$syncDigest', await get(`${A}/$syncDigest`));
  });

  it('a $batch answer with a created resource and a refused entry', async () => {
    const body = `<feed xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}" xmlns:http="${NS.http}"><entry><http:httpMethod>POST</http:httpMethod><sdata:payload><account xmlns="urn:sdata-sync:demo"><name>B1</name></account></sdata:payload></entry><entry><http:httpMethod>DELETE</http:httpMethod><id>${A}('999')</id></entry></feed>`;
    const res = await asText(t.http().post(pathOf(`${A}/$batch`)).set('Content-Type', 'application/atom+xml;type=feed').send(body));
    expect(res.status).toBe(200);
    expect(entryCount(res.body as string)).toBe(2);
    expectValid('$batch answer', res.body as string);
  });

  it('sync feed pages, result feeds, $conflicts, $failures and $syncResults', async () => {
    const first = await syncByHand(t.app, A, B, { count: 1 });
    expect(first.pageBodies.length).toBeGreaterThan(1);
    first.pageBodies.forEach((b, i) => expectValid(`sync page ${i + 1}`, b));
    first.resultBodies.forEach((b, i) => expectValid(`result feed ${i + 1}`, b));
    const empty = await syncByHand(t.app, A, B);
    expect(entryCount(empty.pageBodies[0])).toBe(0);
    expectValid('empty sync page', empty.pageBodies[0]);

    // A conflict: both sides change the same account, then crm -> erp.
    const crmKey = (await t.db('resources').where({ endpoint_id: t.endpointId(A), deleted: false }).first()).local_key as string;
    const uuid = (await t.db('resources').where({ endpoint_id: t.endpointId(A), local_key: crmKey }).first()).uuid as string;
    const erpKey = (await t.db('resources').where({ endpoint_id: t.endpointId(B), uuid }).first()).local_key as string;
    await t.http().put(pathOf(`${A}('${crmKey}')`)).set('Content-Type', 'application/atom+xml;type=entry').send(account('crm side')).expect(200);
    await t.http().put(pathOf(`${B}('${erpKey}')`)).set('Content-Type', 'application/atom+xml;type=entry').send(account('erp side')).expect(200);
    const conflicting = await syncByHand(t.app, A, B);
    expect(conflicting.results.some((r) => r.diagnoses.some((d) => d.applicationCode === 'Conflict'))).toBe(true);
    conflicting.resultBodies.forEach((b) => expectValid('result feed with a conflict', b));
    const conflicts = await get(`${B}/$conflicts`);
    expect(entryCount(conflicts)).toBe(1);
    expectValid('$conflicts', conflicts);
    expectValid("$conflicts('ID')", await get(`${B}/$conflicts('${(await t.db('conflicts').first()).id}')`));

    // A quarantined entry: a new account whose page is spoilt on the way to erp.
    await t.http().post(pathOf(A)).set('Content-Type', 'application/atom+xml;type=entry').send(account('to spoil', '<balance>1.00</balance>')).expect(201);
    const started = await settle(t.app, await asText(request(t.app).post(pathOf(`${A}/$syncSource?trackingID=${crypto.randomUUID()}`)).set('Content-Type', 'application/atom+xml;type=entry').send(await getDigestXml(t.app, B))));
    const spoilt = (started.body as string).replace('<balance>1.00</balance>', '<balance>not a number</balance>');
    expect(spoilt).not.toBe(started.body);
    const applied = await settle(t.app, await asText(request(t.app).post(pathOf(`${B}/$syncTarget?trackingID=${crypto.randomUUID()}`)).set('Content-Type', 'application/atom+xml;type=feed').send(spoilt)));
    expect(applied.status).toBe(200);
    expectValid('result feed with a failure', applied.body as string);
    failureResults = applied.body as string;
    const failures = await get(`${B}/$failures`);
    expect(entryCount(failures)).toBe(1);
    expectValid('$failures', failures);
    expectValid("$failures('ID')", await get(`${B}/$failures('${(await t.db('failures').first()).id}')`));

    await request(t.app).post(pathOf(`${A}/$syncResults?runName=r&runStamp=s`)).set('Content-Type', 'application/atom+xml;type=feed').send(applied.body as string).expect(200);
    const results = await get(`${A}/$syncResults`);
    expect(entryCount(results)).toBe(1);
    expectValid('$syncResults', results);
  });

  it("the event logger's runs and events feeds", async () => {
    const logger = createLoggerApp({ db: t.db, cfg: loggerSchema.parse({}), baseUrl: () => 'http://127.0.0.1:3100', security: securityPolicy({ users: [] }, '127.0.0.1') });
    expect(failureResults).toContain('<sdata:diagnosis>');
    await request(logger.app).post('/logs/$syncResults').query({ runName: 'n', runStamp: 's', source: A, target: B, kind: 'accounts', state: 'done' }).set('Content-Type', 'application/atom+xml; type=feed').send(failureResults).expect(200);
    for (const path of ['/logs/runs', '/logs/events']) {
      const res = await asText(request(logger.app).get(path));
      expect(res.status).toBe(200);
      expect(entryCount(res.body as string)).toBeGreaterThan(0);
      expectValid(path, res.body as string);
    }
  });
});
