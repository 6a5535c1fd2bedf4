/**
 * Scopes (PROTOCOL.md 3.3): a Paris user given the French partition of `accounts` reads only French
 * accounts through the kind URL (feed, count, paging, single reads), may not create a German account nor
 * move a French one to Germany (403, nothing changed), finds no German account to change or delete (404,
 * as for a key that does not exist), and may use the French partition's sync URLs but not the German one's,
 * where a page it posts lands nothing in Germany (those entries quarantined OutOfScope); an unpartitioned
 * kind stays whole for it; an admin and an unscoped clerk are unaffected.
 */
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { NS } from '../../src/atom/namespaces';
import { parseConfig } from '../../src/config/load';
import type { Config } from '../../src/config/schema';
import { describeEachDatabase } from '../support/databases';
import { openTestApp, snapshot, type TestApp } from '../endpoint/support/app';
import { basic, securitySection, type TestUser } from './support';
import { payloadNode } from '../../src/atom/payloadWrite';
import { parseResultFeed } from '../../src/atom/resultFeed';
import { buildSyncFeed, type SyncFeedEntryOut } from '../../src/atom/syncFeed';
import { tickOf } from '../../src/protocol/digest';
import { parseDigestDocument } from '../../src/atom/digestXml';
import { parseXml } from '../../src/atom/xml';
import type { Digest } from '../../src/protocol/types';

const HQ = '/sdata/hq/test/-';
const ACCOUNTS = `${HQ}/accounts`;
const FR = "country eq 'FR'";
const DE = "country eq 'DE'";
const at = (where: string) => `where=${encodeURIComponent(where)}`;
const ERP = 'http://erp.test/sdata/erp/test/-/accounts';

const PARIS: TestUser & { partitions: Record<string, string[]> } = { name: 'paris', password: 'paris-pass', roles: ['read', 'write', 'sync'], partitions: { accounts: [FR] } };
const CLERK: TestUser = { name: 'clerk', password: 'clerk-pass', roles: ['read', 'write', 'sync'] };
const ROOT: TestUser = { name: 'root', password: 'root-pass', roles: ['admin'] };
const auth = (u: TestUser) => basic(u.name, u.password);

async function scopesConfig(): Promise<Config> {
  const security = await securitySection([PARIS, CLERK, ROOT]);
  security.users![0] = { ...security.users![0], partitions: PARIS.partitions };
  return parseConfig(
    {
      server: { port: 0, publicBaseUrl: 'http://sdata.test' },
      log: { level: 'silent' },
      applications: [
        {
          name: 'hq',
          contract: 'test',
          namespace: 'urn:hq',
          kinds: [
            { name: 'accounts', element: 'account', properties: { name: { type: 'string', required: true }, country: { type: 'string', required: true } }, partitions: [{ where: FR }, { where: DE }] },
            { name: 'products', element: 'product', properties: { name: { type: 'string', required: true } } },
            { name: 'orders', element: 'order', properties: { number: { type: 'string', required: true }, account: { type: 'reference', kind: 'accounts' } } },
          ],
        },
      ],
      security,
    },
    {},
  );
}

describeEachDatabase('scopes: a user who sees only the French accounts', (tdb) => {
  let t: TestApp;
  const keys: Record<string, string> = {};
  const as = (u: TestUser) => ({
    get: (url: string) => request(t.app).get(url).set('Authorization', auth(u)).set('Accept', 'application/json'),
    post: (url: string, body: unknown) => request(t.app).post(url).set('Authorization', auth(u)).set('Content-Type', 'application/json').set('Accept', 'application/json').send(JSON.stringify(body)),
    put: (url: string, body: unknown) => request(t.app).put(url).set('Authorization', auth(u)).set('Content-Type', 'application/json').set('Accept', 'application/json').send(JSON.stringify(body)),
    delete: (url: string) => request(t.app).delete(url).set('Authorization', auth(u)).set('Accept', 'application/json'),
  });
  const names = (res: request.Response) => (res.body.$resources as { name: string }[]).map((r) => r.name).sort();
  const refusedOutOfScope = (res: request.Response) => {
    expect(res.status).toBe(403);
    expect(res.body.$diagnoses.map((d: { applicationCode?: string }) => d.applicationCode)).toEqual(['OutOfScope']);
    expect(res.body.$diagnoses[0].message).toContain("user 'paris'");
  };

  beforeAll(async () => {
    t = await openTestApp(tdb, await scopesConfig());
    for (const [name, country] of [['Lyon', 'FR'], ['Nice', 'FR'], ['Lille', 'FR'], ['Berlin', 'DE'], ['Bonn', 'DE']]) {
      const res = await as(ROOT).post(ACCOUNTS, { name, country }).expect(201);
      keys[name] = res.body.$key;
    }
    await as(ROOT).post(`${HQ}/products`, { name: 'Chair' }).expect(201);
    for (const [number, account] of [['O-1', 'Lyon'], ['O-2', 'Berlin']]) {
      const { $uuid } = (await as(ROOT).get(`${ACCOUNTS}('${keys[account]}')`).expect(200)).body;
      await as(ROOT).post(`${HQ}/orders`, { number, account: { $uuid } }).expect(201);
    }
  });

  test('the kind feed shows the French accounts only, with their count and paging', async () => {
    const all = await as(PARIS).get(ACCOUNTS).expect(200);
    expect(names(all)).toEqual(['Lille', 'Lyon', 'Nice']);
    expect(all.body.$totalResults).toBe(3);
    const first = await as(PARIS).get(`${ACCOUNTS}?count=2`).expect(200);
    expect(first.body.$resources).toHaveLength(2);
    expect(first.body.$totalResults).toBe(3);
    expect(first.body.$next).toContain('startIndex=3');
    const second = await as(PARIS).get(`${ACCOUNTS}?count=2&startIndex=3`).expect(200);
    expect(second.body.$resources).toHaveLength(1);
    expect([...names(first), ...names(second)].sort()).toEqual(['Lille', 'Lyon', 'Nice']);
    expect(second.body.$next).toBeUndefined();
    const filtered = await as(PARIS).get(`${ACCOUNTS}?${at("name eq 'Berlin' or name eq 'Lyon'")}`).expect(200);
    expect(names(filtered)).toEqual(['Lyon']);
    const german = await as(PARIS).get(`${ACCOUNTS}?${at(DE)}`).expect(200);
    expect(german.body.$resources).toEqual([]);
    expect(german.body.$totalResults).toBe(0);
  });

  test('a single read of a German account is a 404, as for one that does not exist; a French one is read', async () => {
    const res = await as(PARIS).get(`${ACCOUNTS}('${keys.Berlin}')`).expect(404);
    expect(res.body.$diagnoses[0].sdataCode).toBe('ResourceNotFound');
    expect(res.body.$diagnoses[0].message).toBe((await as(PARIS).get(`${ACCOUNTS}('no-such-key')`).expect(404)).body.$diagnoses[0].message.replace('no-such-key', keys.Berlin));
    expect((await as(PARIS).get(`${ACCOUNTS}('${keys.Lyon}')`).expect(200)).body.name).toBe('Lyon');
  });

  test('$schema and an unpartitioned kind are as usual', async () => {
    await as(PARIS).get(`${ACCOUNTS}/$schema`).expect(200);
    expect(names(await as(PARIS).get(`${HQ}/products`).expect(200))).toEqual(['Chair']);
  });

  test('an unpartitioned kind referring to accounts shows the French ones only inside it (include, where)', async () => {
    const orders = (await as(PARIS).get(`${HQ}/orders?include=account&orderBy=number`).expect(200)).body.$resources as { number: string; account: { name?: string } }[];
    expect(orders.map((o) => [o.number, o.account.name])).toEqual([
      ['O-1', 'Lyon'],
      ['O-2', undefined],
    ]);
    const rootView = (await as(ROOT).get(`${HQ}/orders?include=account&orderBy=number`).expect(200)).body.$resources as { account: { name?: string } }[];
    expect(rootView.map((o) => o.account.name)).toEqual(['Lyon', 'Berlin']);
    expect((await as(PARIS).get(`${HQ}/orders?${at("account.name eq 'Berlin'")}`).expect(200)).body.$totalResults).toBe(0);
    expect((await as(ROOT).get(`${HQ}/orders?${at("account.name eq 'Berlin'")}`).expect(200)).body.$totalResults).toBe(1);
  });

  test('a POST of a German account is a 403 that changes nothing; a French one is created', async () => {
    const before = await snapshot(t.db);
    refusedOutOfScope(await as(PARIS).post(ACCOUNTS, { name: 'Hamburg', country: 'DE' }));
    expect(await snapshot(t.db)).toEqual(before);
    const created = await as(PARIS).post(ACCOUNTS, { name: 'Paris', country: 'FR' }).expect(201);
    keys.Paris = created.body.$key;
  });

  test('a PUT moving a French account to Germany is a 403 that changes nothing; a PUT or DELETE of a German one is the 404 of a key that does not exist', async () => {
    const before = await snapshot(t.db);
    refusedOutOfScope(await as(PARIS).put(`${ACCOUNTS}('${keys.Nice}')`, { name: 'Nice', country: 'DE' }));
    const notFound = async (res: request.Response, key: string, absent: request.Response) => {
      expect(res.status).toBe(404);
      expect(absent.status).toBe(404);
      expect(res.body.$diagnoses.map((d: { sdataCode: string }) => d.sdataCode)).toEqual(['ResourceNotFound']);
      expect(res.body.$diagnoses[0].message).toBe(absent.body.$diagnoses[0].message.replace('no-such-key', key));
    };
    for (const country of ['DE', 'FR']) {
      await notFound(await as(PARIS).put(`${ACCOUNTS}('${keys.Bonn}')`, { name: 'Bonn am Rhein', country }), keys.Bonn, await as(PARIS).put(`${ACCOUNTS}('no-such-key')`, { name: 'Bonn am Rhein', country }));
    }
    await notFound(await as(PARIS).delete(`${ACCOUNTS}('${keys.Bonn}')`), keys.Bonn, await as(PARIS).delete(`${ACCOUNTS}('no-such-key')`));
    expect(await snapshot(t.db)).toEqual(before);
    expect((await as(ROOT).get(`${ACCOUNTS}('${keys.Nice}')`).expect(200)).body.country).toBe('FR');
    // Within France, a change goes through.
    expect((await as(PARIS).put(`${ACCOUNTS}('${keys.Nice}')`, { name: 'Nice-Côte', country: 'FR' }).expect(200)).body.name).toBe('Nice-Côte');
  });

  test('$batch refuses each operation out of scope alone, with its 403 (or the 404 of a German key); the others are done', async () => {
    const res = await as(PARIS)
      .post(`${ACCOUNTS}/$batch`, {
        $resources: [
          { $httpMethod: 'POST', name: 'Toulouse', country: 'FR' },
          { $httpMethod: 'POST', name: 'Munich', country: 'DE' },
          { $httpMethod: 'PUT', $key: keys.Lille, name: 'Lille', country: 'DE' },
          { $httpMethod: 'GET', $key: keys.Berlin },
          { $httpMethod: 'DELETE', $key: keys.Berlin },
          { $httpMethod: 'PUT', $key: keys.Bonn, name: 'Bonn', country: 'FR' },
        ],
      })
      .expect(200);
    const results = res.body.$resources as { $httpStatus: number; $diagnoses?: { sdataCode: string; applicationCode?: string }[] }[];
    expect(results.map((r) => r.$httpStatus)).toEqual([201, 403, 403, 404, 404, 404]);
    expect(results[1].$diagnoses![0].applicationCode).toBe('OutOfScope');
    expect(results[2].$diagnoses![0].applicationCode).toBe('OutOfScope');
    for (const r of results.slice(3)) expect(r.$diagnoses!.map((d) => d.sdataCode)).toEqual(['ResourceNotFound']);
    const everything = await as(ROOT).get(ACCOUNTS).expect(200);
    expect(names(everything)).toEqual(['Berlin', 'Bonn', 'Lille', 'Lyon', 'Nice-Côte', 'Paris', 'Toulouse']);
    expect((await as(ROOT).get(`${ACCOUNTS}('${keys.Lille}')`).expect(200)).body.country).toBe('FR');
  });

  test("the French partition's sync URLs answer; the German partition's are a 403", async () => {
    await as(PARIS).get(`${ACCOUNTS}/$syncDigest?${at(FR)}`).expect(200);
    for (const url of ['$syncResults', '$linked', '$conflicts', '$failures']) await as(PARIS).get(`${ACCOUNTS}/${url}?${at(FR)}`).expect(200);
    const source = await request(t.app).post(`${ACCOUNTS}/$syncSource?${at(FR)}`).set('Authorization', auth(PARIS)).set('Content-Type', 'application/atom+xml').send(EMPTY_DIGEST).expect(200);
    // The five French accounts, and no German one.
    expect(source.text.match(/<entry[\s>]/g)?.length ?? 0).toBe(5);
    expect(source.text).not.toContain('Berlin');
    const target = await request(t.app).post(`${ACCOUNTS}/$syncTarget?${at(FR)}`).set('Authorization', auth(PARIS)).set('Content-Type', 'application/atom+xml').send(EMPTY_FEED);
    // Reached the page's own checks (an empty feed is no sync page), past the scope.
    expect(target.status).toBe(400);
    expect(target.text).toContain('InvalidSyncFeed');
    expect(await streamStatus(t, `${ACCOUNTS}/$syncNotify?${at(FR)}`, auth(PARIS))).toEqual({ status: 200, type: 'text/event-stream' });
    expect((await streamStatus(t, `${ACCOUNTS}/$syncNotify?${at(DE)}`, auth(PARIS))).status).toBe(403);
    const before = await snapshot(t.db);
    for (const url of ['$syncDigest', '$conflicts', '$failures', '$syncResults', '$linked']) refusedOutOfScope(await as(PARIS).get(`${ACCOUNTS}/${url}?${at(DE)}`));
    refusedOutOfScope(await request(t.app).post(`${ACCOUNTS}/$syncSource?${at(DE)}`).set('Authorization', auth(PARIS)).set('Content-Type', 'application/atom+xml').set('Accept', 'application/json').send(EMPTY_DIGEST));
    refusedOutOfScope(await request(t.app).post(`${ACCOUNTS}/$syncTarget?${at(DE)}`).set('Authorization', auth(PARIS)).set('Content-Type', 'application/atom+xml').set('Accept', 'application/json').send(EMPTY_FEED));
    refusedOutOfScope(await request(t.app).get(`${ACCOUNTS}/$syncNotify?${at(DE)}`).set('Authorization', auth(PARIS)).set('Accept', 'application/json'));
    expect(await snapshot(t.db)).toEqual(before);
  });

  test('an admin and an unscoped user see and write every partition', async () => {
    for (const u of [ROOT, CLERK]) {
      expect((await as(u).get(ACCOUNTS).expect(200)).body.$totalResults).toBe(7);
      await as(u).get(`${ACCOUNTS}('${keys.Berlin}')`).expect(200);
      await as(u).get(`${ACCOUNTS}/$syncDigest?${at(DE)}`).expect(200);
    }
    const moved = await as(CLERK).put(`${ACCOUNTS}('${keys.Lyon}')`, { name: 'Lyon', country: 'DE' }).expect(200);
    expect(moved.body.country).toBe('DE');
    // Moved out of France, it is out of Paris's sight.
    await as(PARIS).get(`${ACCOUNTS}('${keys.Lyon}')`).expect(404);
    expect((await as(PARIS).get(ACCOUNTS).expect(200)).body.$totalResults).toBe(4);
  });

  test("a page Paris posts to the French partition lands nothing in Germany and changes no German account: those entries are quarantined OutOfScope, the rest applied; the clerk's next page applies them", async () => {
    const cfg = await scopesConfig();
    const [app] = cfg.applications;
    const kind = app.kinds[0];
    const uuidOf = async (name: string) => (await as(ROOT).get(`${ACCOUNTS}('${keys[name]}')`).expect(200)).body.$uuid as string;
    const [berlin, bonn] = [await uuidOf('Berlin'), await uuidOf('Bonn')];
    const T = '2026-12-01T10:00:00.000Z';
    // The sender knows every version of the hub's partitions: its entries descend from them (no conflict).
    const knowsAll: Digest = { entries: [FR, DE].map((w) => ({ endpoint: `http://sdata.test${ACCOUNTS}?${at(w)}`, tick: 1000, stamp: T, conflictPriority: 1 })) };
    const entry = (tick: number, uuid: string, values: Record<string, unknown>, deleted = false): SyncFeedEntryOut => ({
      id: `${ERP}('${tick}')`,
      title: `account ${tick}`,
      updated: T,
      uuid,
      state: { endpoint: ERP, tick, stamp: T },
      deleted,
      knowledge: knowsAll,
      payload: payloadNode({ key: String(tick), uuid, url: `${ERP}('${tick}')`, values, deleted }, kind, app),
    });
    const page = (entries: SyncFeedEntryOut[], upTo: number) =>
      buildSyncFeed({ id: `${ERP}/$syncSource('x')`, updated: T, mode: 'catchUp', ceiling: { origin: ERP, entries: [{ endpoint: ERP, tick: upTo, stamp: T, conflictPriority: 2 }] }, links: [], totalResults: entries.length, startIndex: 1, itemsPerPage: 100, entries });
    const post = async (u: TestUser, xml: string) => {
      const res = await request(t.app).post(`${ACCOUNTS}/$syncTarget?${at(FR)}`).set('Authorization', auth(u)).set('Content-Type', 'application/atom+xml').send(xml).buffer(true).parse((r, done) => {
        let text = '';
        r.on('data', (c: Buffer) => (text += c.toString()));
        r.on('end', () => done(null, text));
      });
      expect(res.status).toBe(200);
      return parseResultFeed(res.body as string).entries;
    };
    const germany = async () => t.db('resources').where({ endpoint_id: t.endpointId(`http://sdata.test${ACCOUNTS}?${at(DE)}`) }).orderBy('uuid');
    const germanBefore = await germany();

    const results = await post(
      PARIS,
      page(
        [
          entry(1, '6a1f0d2e-1111-4c2b-9a3e-000000000001', { name: 'Hamburg', country: 'DE' }),
          entry(2, berlin, { name: 'Berlin', country: 'FR' }),
          entry(3, bonn, {}, true),
          entry(4, '6a1f0d2e-1111-4c2b-9a3e-000000000004', { name: 'Marseille', country: 'FR' }),
        ],
        4,
      ),
    );
    expect(results.map((r) => r.httpStatus)).toEqual([422, 422, 422, 201]);
    for (const r of results.slice(0, 3)) expect(r.diagnoses.map((d) => d.applicationCode)).toEqual(['OutOfScope']);
    expect(results[0].diagnoses[0].message).toContain(`user 'paris' may not put a resource into the partition`);
    expect(results[1].diagnoses[0].message).toContain(`user 'paris' may not change a resource of the partition`);
    // Nothing of Germany changed; Marseille is French; the French digest moved past every entry.
    expect(await germany()).toEqual(germanBefore);
    expect((await as(ROOT).get(`${ACCOUNTS}?${at("name eq 'Hamburg'")}`).expect(200)).body.$totalResults).toBe(0);
    expect((await as(PARIS).get(`${ACCOUNTS}?${at("name eq 'Marseille'")}`).expect(200)).body.$totalResults).toBe(1);
    const failures = (await as(PARIS).get(`${ACCOUNTS}/$failures?${at(FR)}`).expect(200)).body.$resources as { status: string; $diagnoses: { applicationCode?: string }[] }[];
    expect(failures.map((f) => [f.status, f.$diagnoses.map((d) => d.applicationCode)])).toEqual([1, 2, 3].map(() => ['open', ['OutOfScope']]));
    const digest = await as(PARIS).get(`${ACCOUNTS}/$syncDigest?${at(FR)}`).set('Accept', 'application/atom+xml').expect(200);
    expect(tickOf(parseDigestDocument(parseXml(digest.text)), ERP, 0)).toBe(5);

    // The unscoped clerk's next page retries the quarantine: Hamburg lands in Germany, Berlin becomes French, Bonn is deleted.
    const next = await post(CLERK, page([entry(5, '6a1f0d2e-1111-4c2b-9a3e-000000000005', { name: 'Brest', country: 'FR' })], 5));
    expect(next.map((r) => r.httpStatus)).toEqual([201]);
    expect(((await as(CLERK).get(`${ACCOUNTS}/$failures?${at(FR)}`).expect(200)).body.$resources as { status: string }[]).map((f) => f.status)).toEqual(['applied', 'applied', 'applied']);
    expect((await as(ROOT).get(`${ACCOUNTS}?${at("name eq 'Hamburg'")}`).expect(200)).body.$resources[0].country).toBe('DE');
    expect((await as(ROOT).get(`${ACCOUNTS}('${keys.Berlin}')`).expect(200)).body.country).toBe('FR');
    await as(ROOT).get(`${ACCOUNTS}('${keys.Bonn}')`).expect(404);
  });
});

/** The status and content type of a GET, read as soon as its headers arrive (an event stream never ends by itself). */
async function streamStatus(t: TestApp, url: string, authorization: string): Promise<{ status: number; type: string }> {
  const server = t.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const abort = new AbortController();
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${url}`, { headers: { authorization }, signal: abort.signal });
    return { status: res.status, type: (res.headers.get('content-type') ?? '').split(';')[0] };
  } finally {
    abort.abort();
    server.closeAllConnections();
    server.close();
  }
}

const EMPTY_DIGEST = `<entry xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}" xmlns:sync="${NS.sync}"><sdata:payload><sync:digest><sync:origin>http://elsewhere.test/sdata/fr/test/-/accounts</sync:origin></sync:digest></sdata:payload></entry>`;
const EMPTY_FEED = `<feed xmlns="${NS.atom}"/>`;
