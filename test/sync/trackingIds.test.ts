/**
 * Async contexts belong to the endpoint they were made at: a tracking ID names a context of ONE endpoint.
 * A request at another endpoint with the same ID makes or reads that endpoint's own context, never the
 * first one, so a caller who may reach one application cannot touch a context of another (a two-phase
 * batch of erp survives a $syncSource at crm with its ID), and GET / DELETE of a tracking ID an endpoint
 * does not own answer 404 and change nothing. Within one endpoint, an ID already naming a context of
 * another service is refused (409) instead of replacing it.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { describeEachDatabase } from '../support/databases';
import { asText, openTestApp, snapshot, type TestApp } from '../endpoint/support/app';
import { CRM, ERP, testConfig } from '../endpoint/support/testConfig';
import { basic, securitySection, type TestUser } from '../security/support';
import { pathOf } from '../support/syncByHand';
import { diagnosesIn } from '../../src/atom/diagnosisXml';
import { parseXml } from '../../src/atom/xml';
import { parseResultFeed } from '../../src/atom/resultFeed';
import { createResources } from '../../src/store/resources';
import { NS } from '../../src/atom/namespaces';

const CRM_ACCOUNTS = `${CRM}/accounts`;
const ERP_ACCOUNTS = `${ERP}/accounts`;
const ERP_CONTACTS = `${ERP}/contacts`;
const ENGINE: TestUser = { name: 'engine', password: 'engine-pass', roles: ['sync', 'write', 'read'] };
/** An engine limited to the crm application. */
const CRM_ENGINE: TestUser = { name: 'crm-engine', password: 'crm-engine-pass', roles: ['sync', 'read'], applications: ['crm'] };
const server = { port: 0, publicBaseUrl: 'http://sdata.test', bodyLimitBytes: 10_000_000, defaultPageSize: 100, maxPageSize: 500 };
const FEED = 'application/atom+xml;type=feed';

const text = (r: request.Response): string => (typeof r.body === 'string' ? r.body : r.text);
const codes = (r: request.Response): (string | undefined)[] => diagnosesIn(parseXml(text(r))).map((d) => d.applicationCode);

describeEachDatabase('tracking IDs name contexts of one endpoint', (tdb) => {
  let t: TestApp;
  const as = (u: TestUser) => ({ authorization: basic(u.name, u.password) });

  beforeAll(async () => {
    t = await openTestApp(tdb, testConfig({ server, security: await securitySection([ENGINE, CRM_ENGINE]) }));
  });

  async function addAccounts(url: string, n: number, name: string): Promise<void> {
    const e = t.runtime.catalog.endpoints.find((x) => x.url === url)!;
    await t.db.transaction((trx) => createResources(trx, { id: e.id, url: e.url, keys: e.def.keys }, Array.from({ length: n }, (_, i) => ({ values: { name: `${name} ${i}` } }))));
  }

  /** The first page of `source`'s sync feed for `target`'s digest (its source context made with `id`). */
  async function pageFor(source: string, target: string, id = randomUUID(), count = 100): Promise<request.Response> {
    const digest = await asText(request(t.app).get(pathOf(`${target}/$syncDigest`)).set(as(ENGINE)));
    expect(digest.status).toBe(200);
    const r = await asText(request(t.app).post(pathOf(`${source}/$syncSource?trackingID=${id}&count=${count}`)).set(as(ENGINE)).set('Content-Type', 'application/atom+xml').send(text(digest)));
    expect(r.status).toBe(200);
    return r;
  }

  const prepare = (target: string, id: string, page: string, user = ENGINE) =>
    asText(request(t.app).post(pathOf(`${target}/$syncTarget?phase=prepare&trackingID=${id}`)).set(as(user)).set('Content-Type', FEED).send(page));
  const decide = (target: string, id: string, action: '$commit' | '$abort', user = ENGINE) => asText(request(t.app).post(pathOf(`${target}/$syncTarget('${id}')/${action}`)).set(as(user)));
  const contexts = () => t.db('contexts').select('id', 'endpoint_id', 'role', 'status', 'result').orderBy(['endpoint_id', 'role', 'id']);

  it('a $syncSource at crm by a caller limited to crm leaves erp\'s prepared batch with the same ID intact', async () => {
    await addAccounts(CRM_ACCOUNTS, 2, 'Batch');
    const page = await pageFor(CRM_ACCOUNTS, ERP_ACCOUNTS);
    const T = randomUUID();
    expect((await prepare(ERP_ACCOUNTS, T, text(page))).status).toBe(200);
    const held = await t.db('prepared_locks').select('uuid');
    expect(held.length).toBe(2);

    // The unrelated request: the same tracking ID, at crm, by a caller who cannot reach erp at all.
    expect((await asText(request(t.app).get(pathOf(`${ERP_ACCOUNTS}/$syncDigest`)).set(as(CRM_ENGINE)))).status).toBe(403);
    const ownDigest = await asText(request(t.app).get(pathOf(`${CRM}/contacts/$syncDigest`)).set(as(CRM_ENGINE)));
    // (one entry a page: the selection is kept in a context named T at crm)
    const select = await asText(request(t.app).post(pathOf(`${CRM_ACCOUNTS}/$syncSource?trackingID=${T}&count=1`)).set(as(CRM_ENGINE)).set('Content-Type', 'application/atom+xml').send(text(ownDigest)));
    expect(select.status).toBe(200);
    expect(select.headers.location).toBeDefined();
    // Nor can that caller decide erp's batch.
    expect((await decide(ERP_ACCOUNTS, T, '$abort', CRM_ENGINE)).status).toBe(403);
    expect(await t.db('prepared_locks').select('uuid')).toEqual(held);

    // ... and the batch commits: both accounts land at erp, the locks are released.
    const commit = await decide(ERP_ACCOUNTS, T, '$commit');
    expect(commit.status).toBe(200);
    expect(parseResultFeed(text(commit)).entries.filter((e) => e.httpStatus === 201)).toHaveLength(2);
    expect(await t.db('prepared_locks')).toEqual([]);
    // erp's resources take changes again at once.
    const uuid = held[0].uuid as string;
    const key = (await t.db('resources').where({ endpoint_id: t.endpointId(ERP_ACCOUNTS), uuid }).first()).local_key as string;
    const entry = `<entry xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}"><sdata:payload><account xmlns="http://schemas.sage.com/dynamic/2007"><name>Changed</name></account></sdata:payload></entry>`;
    const put = await asText(request(t.app).put(pathOf(`${ERP_ACCOUNTS}('${key}')`)).set(as(ENGINE)).set('Content-Type', 'application/atom+xml;type=entry').send(entry));
    expect(put.status).toBe(200);
    // crm's selection is still there for its own caller.
    expect((await asText(request(t.app).get(pathOf(`${CRM_ACCOUNTS}/$syncSource('${T}')`)).set(as(CRM_ENGINE)))).status).toBe(200);
  });

  it('the same tracking ID at two endpoints makes two contexts that do not interfere', async () => {
    await addAccounts(CRM_ACCOUNTS, 3, 'Twice');
    const T = randomUUID();
    // A source context at crm and a prepared batch at erp with the same ID (a page of a feed of T prepared).
    const page = await pageFor(CRM_ACCOUNTS, ERP_ACCOUNTS, T, 2);
    expect(page.headers.location).toBeDefined();
    expect((await prepare(ERP_ACCOUNTS, T, text(page))).status).toBe(200);
    // The source context still pages (its cursor was not replaced by the target's context).
    const next = await asText(request(t.app).get(pathOf(`${CRM_ACCOUNTS}/$syncSource('${T}')?startIndex=3&count=2`)).set(as(ENGINE)));
    expect(next.status).toBe(200);
    expect((await decide(ERP_ACCOUNTS, T, '$commit')).status).toBe(200);
    expect((await asText(request(t.app).get(pathOf(`${CRM_ACCOUNTS}/$syncSource('${T}')?startIndex=3&count=2`)).set(as(ENGINE)))).status).toBe(200);

    // Two prepared batches with one ID, at erp/accounts and crm/accounts (a distribution may name its batches so).
    await addAccounts(CRM_ACCOUNTS, 1, 'Both');
    const B = randomUUID();
    const toErp = await pageFor(CRM_ACCOUNTS, ERP_ACCOUNTS);
    const toCrm = await pageFor(ERP_ACCOUNTS, CRM_ACCOUNTS);
    expect((await prepare(ERP_ACCOUNTS, B, text(toErp))).status).toBe(200);
    expect((await prepare(CRM_ACCOUNTS, B, text(toCrm))).status).toBe(200);
    expect((await decide(CRM_ACCOUNTS, B, '$abort')).status).toBe(200);
    const commit = await decide(ERP_ACCOUNTS, B, '$commit');
    expect(commit.status).toBe(200);
    expect(parseResultFeed(text(commit)).entries.length).toBeGreaterThan(0);
    expect(await t.db('prepared_locks')).toEqual([]);
    expect(await t.db('prepared_pages')).toEqual([]);
  });

  it('GET and DELETE of a tracking ID at an endpoint that does not own it answer 404 and change nothing', async () => {
    await addAccounts(CRM_ACCOUNTS, 1, 'Owned');
    const S = randomUUID();
    const P = randomUUID();
    const page = await pageFor(CRM_ACCOUNTS, ERP_ACCOUNTS, S, 1);
    const target = await asText(request(t.app).post(pathOf(`${ERP_ACCOUNTS}/$syncTarget?trackingID=${S}`)).set(as(ENGINE)).set('Content-Type', FEED).send(text(page)));
    expect(target.status).toBe(200);
    expect((await prepare(ERP_ACCOUNTS, P, text(page))).status).toBe(200);
    const before = { data: await snapshot(t.db), contexts: await contexts(), pages: await t.db('prepared_pages').select('*'), locks: await t.db('prepared_locks').select('*') };
    for (const elsewhere of [ERP_CONTACTS, `${CRM}/contacts`]) {
      for (const [service, id] of [['$syncSource', S], ['$syncTarget', S], ['$syncTarget', P]] as const) {
        for (const method of ['get', 'delete'] as const) {
          const r = await asText(request(t.app)[method](pathOf(`${elsewhere}/${service}('${id}')`)).set(as(ENGINE)));
          expect([elsewhere, service, method, r.status]).toEqual([elsewhere, service, method, 404]);
          expect(codes(r)).toEqual(['UnknownTrackingId']);
        }
      }
      expect((await decide(elsewhere, P, '$commit')).status).toBe(404);
      expect((await decide(elsewhere, P, '$abort')).status).toBe(404);
    }
    // The owner's contexts at the wrong service are not found either.
    expect((await asText(request(t.app).get(pathOf(`${ERP_ACCOUNTS}/$syncSource('${S}')`)).set(as(ENGINE)))).status).toBe(404);
    expect((await asText(request(t.app).delete(pathOf(`${CRM_ACCOUNTS}/$syncTarget('${S}')`)).set(as(ENGINE)))).status).toBe(404);
    const after = { data: await snapshot(t.db), contexts: await contexts(), pages: await t.db('prepared_pages').select('*'), locks: await t.db('prepared_locks').select('*') };
    expect(after).toEqual(before);
    expect((await decide(ERP_ACCOUNTS, P, '$commit')).status).toBe(200);
  });

  it('an ID naming a context of another service at the same endpoint is refused, not taken over', async () => {
    await addAccounts(ERP_ACCOUNTS, 2, 'Same');
    const T = randomUUID();
    // A selection of erp kept in a context named T (one entry a page), then a two-phase page with the same ID.
    const selection = await pageFor(ERP_ACCOUNTS, CRM_ACCOUNTS, T, 1);
    expect(selection.headers.location).toBeDefined();
    const page = await pageFor(CRM_ACCOUNTS, ERP_ACCOUNTS);
    const before = await contexts();
    const prepared = await prepare(ERP_ACCOUNTS, T, text(page));
    expect(prepared.status).toBe(409);
    expect(codes(prepared)).toEqual(['TrackingIdInUse']);
    expect(await contexts()).toEqual(before);
    expect(await t.db('prepared_locks')).toEqual([]);
    // The selection still pages, and a prepared batch named T blocks a kept selection with that ID the same way.
    expect((await asText(request(t.app).get(pathOf(`${ERP_ACCOUNTS}/$syncSource('${T}')?startIndex=2&count=1`)).set(as(ENGINE)))).status).toBe(200);
    const P = randomUUID();
    expect((await prepare(ERP_ACCOUNTS, P, text(page))).status).toBe(200);
    const digest = await asText(request(t.app).get(pathOf(`${CRM_ACCOUNTS}/$syncDigest`)).set(as(ENGINE)));
    const select = await asText(request(t.app).post(pathOf(`${ERP_ACCOUNTS}/$syncSource?trackingID=${P}&count=1`)).set(as(ENGINE)).set('Content-Type', 'application/atom+xml').send(text(digest)));
    expect(select.status).toBe(409);
    expect(codes(select)).toEqual(['TrackingIdInUse']);
    expect((await decide(ERP_ACCOUNTS, P, '$abort')).status).toBe(200);
  });
});
