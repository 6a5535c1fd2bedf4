/**
 * SData JSON wherever the Atom format goes (the other JSON routes: json.test.ts):
 *
 *   include=      a reference holds the referenced resource in JSON as in Atom
 *   $batch        a JSON body `{ "$resources": [...] }` and a JSON answer, each entry refused alone
 *   $syncDigest   PUT with a JSON body, answered in JSON
 *   count=0       totals only; the paging links keep count=0 (no count=1 pages), in JSON and in Atom
 *   diagnoses     a refused JSON body's diagnoses name its JSON properties (`$resources/2/$httpMethod`,
 *                 `digestEntry/1/tick`, `$key`), never XML elements
 */
import { describeEachDatabase } from '../support/databases';
import { NS } from '../../src/atom/namespaces';
import { child } from '../../src/atom/xml';
import { linkHref } from '../../src/atom/feed';
import { createResources } from '../../src/store/resources';
import { asText, openTestApp, snapshot, xmlOf, type TestApp } from './support/app';
import { CRM, ERP } from './support/testConfig';
import { payloadOf, sdataAttr } from './support/xmlBodies';

const ACCOUNTS = `${CRM}/accounts`;
const CONTACTS = `${CRM}/contacts`;
const ORDERS = `${CRM}/orders`;
const path = (url: string) => url.replace('http://sdata.test', '');
type Json = Record<string, unknown>;
type Diagnoses = { $diagnoses: { payloadPath?: string; message: string; applicationCode?: string }[] };

/** Every message and path of a JSON answer's diagnoses, to check that none names an XML element. */
const xmlishIn = (ds: Diagnoses['$diagnoses']) => ds.flatMap((d) => [d.message, d.payloadPath ?? '']).filter((s) => /[<>]|\b(sdata|sync|http):/.test(s));

describeEachDatabase('SData JSON wherever Atom goes', (tdb) => {
  let t: TestApp;
  let acme: { key: string; uuid: string };

  beforeAll(async () => {
    t = await openTestApp(tdb);
    [acme] = await t.db.transaction((trx) =>
      createResources(trx, { id: t.endpointId(ACCOUNTS), url: ACCOUNTS, keys: { style: 'numeric' } }, [{ values: { name: 'ACME', email: 'info@acme.test', balance: '12.50' } }]),
    );
    await t.db.transaction((trx) =>
      createResources(trx, { id: t.endpointId(CONTACTS), url: CONTACTS, keys: { style: 'numeric' } }, [
        { values: { firstName: 'Ann', account: { uuid: acme.uuid } } },
        { values: { firstName: 'Cy', account: null } },
      ]),
    );
  });

  it('include=account writes the referenced account inside the contact in JSON, as Atom does', async () => {
    const feed = await t.http().get(path(CONTACTS)).query({ include: 'account', format: 'json' }).expect(200);
    const [ann, cy] = feed.body.$resources as Json[];
    const expected = { $uuid: acme.uuid, $key: acme.key, $url: `${ACCOUNTS}('${acme.key}')`, $name: 'account', name: 'ACME', email: 'info@acme.test', balance: '12.50' };
    expect(ann.account).toEqual(expected);
    expect(cy.account).toBeNull();
    const one = await t.http().get(`${path(CONTACTS)}('1')`).query({ include: 'account', select: 'account', format: 'json' }).expect(200);
    expect(one.body.account).toEqual(expected);
    // Without include, the bare reference; the Atom view of the same include holds the same resource.
    const plain = await t.http().get(`${path(CONTACTS)}('1')`).query({ format: 'json' }).expect(200);
    expect(plain.body.account).toEqual({ $uuid: acme.uuid });
    const atom = xmlOf(await asText(t.http().get(`${path(CONTACTS)}('1')`).query({ include: 'account' })).expect(200));
    const inlined = payloadOf(atom).children.find((c) => c.name === 'account')!;
    expect([sdataAttr(inlined, 'key'), inlined.children.map((c) => c.name)]).toEqual([acme.key, ['name', 'email', 'balance']]);
  });

  it('count=0 answers the totals only, linking to itself and the first page with count=0, in JSON and Atom', async () => {
    const json = await t.http().get(path(CONTACTS)).query({ count: 0, format: 'json' }).expect(200);
    expect(json.body).toMatchObject({ $totalResults: 2, $itemsPerPage: 0, $resources: [] });
    expect(Object.keys(json.body).filter((k) => ['$first', '$previous', '$next', '$last'].includes(k))).toEqual(['$first']);
    expect(new URL(json.body.$first).searchParams.get('count')).toBe('0');
    const atom = xmlOf(await asText(t.http().get(path(CONTACTS)).query({ count: 0, startIndex: 2 })).expect(200));
    const counts = ['self', 'first', 'previous', 'next', 'last'].map((rel) => linkHref(atom, rel) && new URL(linkHref(atom, rel)!).searchParams.get('count'));
    expect(counts).toEqual(['0', '0', undefined, undefined, undefined]);
  });

  it('$batch takes and answers JSON: each entry with its status, location, ETag and entry; a bad entry refused alone, in JSON terms', async () => {
    const created = await t.http().post(`${path(ORDERS)}?format=json`).set('Content-Type', 'application/json').send(JSON.stringify({ number: 'B-0' })).expect(201);
    const before = created.body as Json;
    const res = await t.http()
      .post(`${path(ORDERS)}/$batch?format=json`)
      .set('Content-Type', 'application/json')
      .send(
        JSON.stringify({
          $resources: [
            { $httpMethod: 'POST', number: 'B-1', quantity: 2 },
            { $httpMethod: 'PATCH', number: 'B-2' },
            { $httpMethod: 'POST', number: 'B-3', quantity: 'many' },
            { $httpMethod: 'PUT', $url: before.$url, $ifMatch: before.$etag, number: 'B-0 changed' },
            { $httpMethod: 'GET', $key: before.$key },
            { $httpMethod: 'DELETE', $key: '999999' },
            { $httpMethod: 'PUT', $key: before.$key, $ifMatch: 'stale', number: 'never' },
            { $httpMethod: 'POST', $name: 'account', number: 'B-4' },
          ],
        }),
      )
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.$url).toBe(`${ORDERS}/$batch`);
    const results = res.body.$resources as Json[];
    expect(results.map((r) => [r.$httpMethod, r.$httpStatus])).toEqual([['POST', 201], ['PATCH', 405], ['POST', 400], ['PUT', 200], ['GET', 200], ['DELETE', 404], ['PUT', 412], ['POST', 400]]);
    expect(results[0]).toMatchObject({ $httpMessage: 'Created', $location: results[0].$url, $key: expect.any(String), $etag: expect.any(String), number: 'B-1', quantity: 2 });
    expect(results[3]).toMatchObject({ $key: before.$key, number: 'B-0 changed' });
    expect(results[4]).toMatchObject({ $key: before.$key, number: 'B-0 changed' });
    const diagnoses = (i: number) => (results[i] as Diagnoses).$diagnoses;
    expect(diagnoses(1).map((d) => [d.applicationCode, d.payloadPath, d.message])).toEqual([['BadHttpMethod', '$resources/2/$httpMethod', "$httpMethod 'PATCH' is not POST, PUT, DELETE or GET"]]);
    expect(diagnoses(2).map((d) => [d.applicationCode, d.payloadPath])).toEqual([['InvalidValue', '$resources/3/quantity']]);
    expect(diagnoses(7).map((d) => [d.payloadPath, d.message])).toEqual([['$resources/8/$name', "$name 'account' is not 'order', the name of this kind's resources"]]);
    expect(xmlishIn([1, 2, 5, 6, 7].flatMap(diagnoses))).toEqual([]);
    // What was done is there; the refused entries wrote nothing.
    const all = await t.http().get(path(ORDERS)).query({ format: 'json', where: "number like 'B-%'" }).expect(200);
    expect((all.body.$resources as Json[]).map((r) => r.number).sort()).toEqual(['B-0 changed', 'B-1']);
  });

  it('$batch refuses a JSON body without $resources with a JSON diagnosis, changing nothing', async () => {
    const state = await snapshot(t.db);
    const res = await t.http().post(`${path(ORDERS)}/$batch?format=json`).set('Content-Type', 'application/json').send('{"entries": []}').expect(400);
    expect(res.body.$diagnoses).toEqual([expect.objectContaining({ applicationCode: 'NotAFeed', payloadPath: '$resources' })]);
    const missingKey = await t.http().post(`${path(ORDERS)}/$batch?format=json`).set('Content-Type', 'application/json').send('{"$resources": [{"$httpMethod": "DELETE"}]}').expect(200);
    expect(missingKey.body.$resources[0].$diagnoses.map((d: { payloadPath: string }) => d.payloadPath)).toEqual(['$resources/1/$url']);
    expect(xmlishIn(missingKey.body.$resources[0].$diagnoses)).toEqual([]);
    expect(await snapshot(t.db)).toEqual(state);
  });

  it('PUT $syncDigest takes a JSON digest and answers JSON; a bad one is refused naming its JSON property, changing nothing', async () => {
    const url = `${path(ACCOUNTS)}/$syncDigest`;
    const current = (await t.http().get(url).query({ format: 'json' }).expect(200)).body as { digestEntry: Json[] } & Json;
    const other = { endpoint: `${ERP}/accounts`, tick: 7, stamp: '2026-03-01T10:00:00.000Z', conflictPriority: 3 };
    const put = await t.http().put(`${url}?format=json`).set('Content-Type', 'application/json').send(JSON.stringify({ ...current, digestEntry: [...current.digestEntry, other] })).expect(200);
    expect(put.headers['content-type']).toMatch(/^application\/json/);
    expect(put.body.digestEntry).toEqual([...current.digestEntry, other]);
    const state = await snapshot(t.db);
    const bad = await t.http().put(`${url}?format=json`).set('Content-Type', 'application/json').send(JSON.stringify({ colour: 'red', digestEntry: [other, { endpoint: 'http://x.test/a', tick: -1 }] })).expect(400);
    expect(bad.body.$diagnoses.map((d: { payloadPath: string }) => d.payloadPath)).toEqual(['colour']);
    const badTick = await t.http().put(`${url}?format=json`).set('Content-Type', 'application/json').send(JSON.stringify({ digestEntry: [other, { endpoint: 'http://x.test/a', tick: 1.5 }] })).expect(400);
    expect(badTick.body.$diagnoses.map((d: { payloadPath: string; message: string }) => [d.payloadPath, d.message])).toEqual([['digestEntry/2/tick', "tick '1.5' is not a non-negative integer"]]);
    const claimed = await t.http().put(`${url}?format=json`).set('Content-Type', 'application/json').send(JSON.stringify({ digestEntry: [{ ...current.digestEntry[0], tick: 10 ** 9 }] })).expect(400);
    expect(claimed.body.$diagnoses[0].payloadPath).toBe('digestEntry/tick');
    expect(xmlishIn([...bad.body.$diagnoses, ...badTick.body.$diagnoses, ...claimed.body.$diagnoses])).toEqual([]);
    expect(await snapshot(t.db)).toEqual(state);
    // The Atom answer of the same digest, for a client that asks for it.
    const atom = xmlOf(await asText(t.http().put(url).set('Content-Type', 'application/json').send(JSON.stringify({ digestEntry: [other] }))).expect(200));
    expect(child(child(atom, NS.sdata, 'payload'), NS.sync, 'digest')).toBeDefined();
  });

  it('a JSON PUT whose $key is not the URL key, a create whose key exists, a $name of another kind: named as JSON names them', async () => {
    const put = await t.http().put(`${path(ACCOUNTS)}('${acme.key}')?format=json`).set('Content-Type', 'application/json').send(JSON.stringify({ $key: 'other', name: 'X' })).expect(400);
    expect(put.body.$diagnoses.map((d: { payloadPath: string; message: string }) => [d.payloadPath, d.message])).toEqual([['$key', `the payload's $key 'other' is not the key of the URL ('${acme.key}')`]]);
    const taken = await t.http().post(`${path(ACCOUNTS)}?format=json`).set('Content-Type', 'application/json').send(JSON.stringify({ $key: acme.key, name: 'X' })).expect(409);
    expect(taken.body.$diagnoses.map((d: { payloadPath: string }) => d.payloadPath)).toEqual(['$key']);
    // An element name becomes the property's name; a value the message echoes stays as it was sent.
    const echoed = await t.http().post(`${path(ORDERS)}?format=json`).set('Content-Type', 'application/json').send(JSON.stringify({ number: 'N', quantity: 'x <t>' })).expect(400);
    expect(echoed.body.$diagnoses.map((d: { payloadPath: string; message: string }) => [d.payloadPath, d.message])).toEqual([['quantity', expect.stringMatching(/^'x <t>' is not valid for 'quantity': /)]]);
    const named = await t.http().post(`${path(ACCOUNTS)}?format=json`).set('Content-Type', 'application/json').send(JSON.stringify({ $name: 'contact', name: 'X' })).expect(400);
    expect(named.body.$diagnoses.map((d: { payloadPath: string; applicationCode: string; message: string }) => [d.payloadPath, d.applicationCode, d.message])).toEqual([
      ['$name', 'UnknownElement', "$name 'contact' is not 'account', the name of this kind's resources"],
    ]);
  });
});
