/**
 * Resources over HTTP (PROTOCOL.md 3.1): paging, a CRUD round trip through XML for every property type,
 * references and child lists, If-Match, and ticks taken by local changes.
 */
import { randomUUID } from 'node:crypto';
import { describeEachDatabase } from '../support/databases';
import { NS } from '../../src/atom/namespaces';
import { child, childrenNamed } from '../../src/atom/xml';
import { createResources } from '../../src/store/resources';
import { asText, openTestApp, snapshot, xmlOf, type TestApp } from './support/app';
import { CRM, ERP } from './support/testConfig';
import { diagnosisCodes, entriesOf, entryWith, linksOf, opensearch, payloadOf, prop, sdataAttr } from './support/xmlBodies';

const path = (url: string) => url.replace('http://sdata.test', '');

describeEachDatabase('resources over HTTP', (tdb) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await openTestApp(tdb);
  });

  describe('paging', () => {
    const ep = `${CRM}/contacts`;
    let keys: string[];

    beforeAll(async () => {
      const id = t.endpointId(ep);
      const made = await t.db.transaction((trx) =>
        createResources(trx, { id, url: ep, keys: { style: 'numeric' } }, Array.from({ length: 250 }, (_, i) => ({ values: { firstName: `F${i}`, lastName: `L${i}` } }))),
      );
      keys = made.map((r) => r.key);
    });

    async function page(query: string) {
      const res = await asText(t.http().get(`${path(ep)}?${query}`)).expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/atom\+xml; ?type=feed/);
      return xmlOf(res);
    }

    const params = (href: string) => Object.fromEntries(new URL(href).searchParams);

    it('serves 250 resources as three pages of 100 with totals and links', async () => {
      const seen: string[] = [];
      const p1 = await page('count=100');
      expect([opensearch(p1, 'totalResults'), opensearch(p1, 'startIndex'), opensearch(p1, 'itemsPerPage')]).toEqual([250, 1, 100]);
      expect(entriesOf(p1)).toHaveLength(100);
      const l1 = linksOf(p1);
      expect(Object.keys(l1).sort()).toEqual(['first', 'last', 'next', 'self']);
      expect(params(l1.next)).toMatchObject({ startIndex: '101', count: '100' });
      expect(params(l1.first)).toMatchObject({ startIndex: '1', count: '100' });
      expect(params(l1.last)).toMatchObject({ startIndex: '201', count: '100' });
      expect(l1.next.startsWith(ep)).toBe(true);
      seen.push(...entriesOf(p1).map((e) => sdataAttr(payloadOf(e), 'key')!));

      const p2 = await page('startIndex=101&count=100');
      expect([opensearch(p2, 'totalResults'), opensearch(p2, 'startIndex'), opensearch(p2, 'itemsPerPage')]).toEqual([250, 101, 100]);
      const l2 = linksOf(p2);
      expect(Object.keys(l2).sort()).toEqual(['first', 'last', 'next', 'previous', 'self']);
      expect(params(l2.previous)).toMatchObject({ startIndex: '1' });
      expect(params(l2.next)).toMatchObject({ startIndex: '201' });
      seen.push(...entriesOf(p2).map((e) => sdataAttr(payloadOf(e), 'key')!));

      const p3 = await page(new URL(l2.next).search.slice(1));
      expect([opensearch(p3, 'totalResults'), opensearch(p3, 'startIndex'), opensearch(p3, 'itemsPerPage')]).toEqual([250, 201, 100]);
      expect(entriesOf(p3)).toHaveLength(50);
      const l3 = linksOf(p3);
      expect(l3.next).toBeUndefined();
      expect(params(l3.previous)).toMatchObject({ startIndex: '101' });
      seen.push(...entriesOf(p3).map((e) => sdataAttr(payloadOf(e), 'key')!));

      expect(seen).toEqual(keys);
    });

    it('uses the configured default page size and cuts count to the maximum', async () => {
      const byDefault = await page('');
      expect(opensearch(byDefault, 'itemsPerPage')).toBe(100);
      const capped = await page('count=100000');
      expect(opensearch(capped, 'itemsPerPage')).toBe(500);
      expect(entriesOf(capped)).toHaveLength(250);
      const beyond = await page('startIndex=400');
      expect(entriesOf(beyond)).toHaveLength(0);
      expect(Object.keys(linksOf(beyond))).toEqual(expect.arrayContaining(['self', 'first']));
      const withoutUuid = await page('includeUuid=false&count=1');
      expect(sdataAttr(payloadOf(entriesOf(withoutUuid)[0]), 'uuid')).toBeUndefined();
      expect(params(linksOf(withoutUuid).next)).toMatchObject({ includeUuid: 'false', startIndex: '2' });
      expect(sdataAttr(payloadOf(entriesOf(await page('count=1'))[0]), 'uuid')).toBeTruthy();
    });
  });

  describe('CRUD round trip through XML', () => {
    const ep = `${CRM}/orders`;
    const accountUuid = randomUUID();
    const lineA = randomUUID();
    const lineB = randomUUID();
    const order = (body: string) =>
      entryWith(`<order xmlns="urn:sdata-sync:demo" xmlns:sdata="${NS.sdata}">${body}</order>`);
    const full = order(
      [
        '<number>O-1</number>',
        '<quantity>-42</quantity>',
        '<total>12345.678</total>',
        '<paid>true</paid>',
        '<placedOn>2024-02-29</placedOn>',
        '<placedAt>2024-02-29T13:45:10.123Z</placedAt>',
        `<account sdata:uuid="${accountUuid}"/>`,
        '<lines>',
        `<line sdata:uuid="${lineA}"><product>Widget &amp; &lt;Co&gt; é</product><qty>3</qty><price>9.99</price><shipped>false</shipped><due>2024-03-01</due><at>2024-03-01T08:00:00.000Z</at></line>`,
        `<line sdata:uuid="${lineB}"><product>Gadget</product></line>`,
        '</lines>',
      ].join(''),
    );

    it('creates, reads, updates and deletes an order with every type, a reference and a child list', async () => {
      const before = Number((await t.db('endpoints').where('url', ep).first()).clock);
      const created = await asText(t.http().post(path(ep)).set('Content-Type', 'application/atom+xml; type=entry').send(full)).expect(201);
      const key = sdataAttr(payloadOf(xmlOf(created)), 'key')!;
      expect(created.headers.location).toBe(`${ep}('${key}')`);
      const etag1 = created.headers.etag;
      expect(etag1).toMatch(/^".+"$/);

      const read = await asText(t.http().get(path(`${ep}('${key}')`))).expect(200);
      expect(read.headers.etag).toBe(etag1);
      const p = payloadOf(xmlOf(read));
      expect(p.name).toBe('order');
      expect(p.ns).toBe('urn:sdata-sync:demo');
      expect([prop(p, 'number'), prop(p, 'quantity'), prop(p, 'total'), prop(p, 'paid'), prop(p, 'placedOn'), prop(p, 'placedAt')]).toEqual([
        'O-1',
        '-42',
        '12345.678',
        'true',
        '2024-02-29',
        '2024-02-29T13:45:10.123Z',
      ]);
      expect(sdataAttr(p.children.find((c) => c.name === 'account')!, 'uuid')).toBe(accountUuid);
      const lines = childrenNamed(p.children.find((c) => c.name === 'lines'), 'urn:sdata-sync:demo', 'line');
      expect(lines.map((l) => sdataAttr(l, 'uuid'))).toEqual([lineA, lineB]);
      expect([prop(lines[0], 'product'), prop(lines[0], 'qty'), prop(lines[0], 'price'), prop(lines[0], 'shipped'), prop(lines[0], 'due'), prop(lines[0], 'at')]).toEqual([
        'Widget & <Co> é',
        '3',
        '9.99',
        'false',
        '2024-03-01',
        '2024-03-01T08:00:00.000Z',
      ]);
      expect(prop(lines[1], 'qty')).toBeUndefined();

      const changed = order(`<number>O-1b</number><paid>false</paid><lines><line sdata:uuid="${lineB}"><product>Gadget 2</product><qty>0</qty></line></lines>`);
      const put = await asText(t.http().put(path(`${ep}('${key}')`)).set('If-Match', etag1).send(changed)).expect(200);
      const p2 = payloadOf(xmlOf(put));
      // A full update: the properties it leaves out are nil (PROTOCOL.md 2.7).
      expect([prop(p2, 'number'), prop(p2, 'paid'), prop(p2, 'quantity'), prop(p2, 'total')]).toEqual(['O-1b', 'false', '', '']);
      expect(put.headers.etag).not.toBe(etag1);
      const again = payloadOf(xmlOf(await asText(t.http().get(path(`${ep}('${key}')`))).expect(200)));
      const lines2 = childrenNamed(again.children.find((c) => c.name === 'lines'), 'urn:sdata-sync:demo', 'line');
      expect(lines2.map((l) => [sdataAttr(l, 'uuid'), prop(l, 'product'), prop(l, 'qty')])).toEqual([[lineB, 'Gadget 2', '0']]);
      expect(sdataAttr(again, 'uuid')).toBe(sdataAttr(p, 'uuid'));

      await t.http().delete(path(`${ep}('${key}')`)).set('If-Match', put.headers.etag).expect(200);
      const gone = await asText(t.http().get(path(`${ep}('${key}')`))).expect(404);
      expect(diagnosisCodes(xmlOf(gone))).toEqual(['ResourceNotFound']);
      const tombstone = await t.db('resources').where({ endpoint_id: t.endpointId(ep), local_key: key }).first();
      expect(tombstone).toMatchObject({ deleted: true, uuid: sdataAttr(p, 'uuid'), state_endpoint: ep });
      expect(Number(tombstone.state_tick)).toBe(before + 2);
      expect(Number((await t.db('endpoints').where('url', ep).first()).clock)).toBe(before + 3);
    });

    it('allocates keys in the application style unless the entry gives sdata:key', async () => {
      const erp = `${ERP}/accounts`;
      const first = await asText(t.http().post(path(erp)).send(entryWith('<account xmlns="urn:sdata-sync:demo"><name>n</name></account>'))).expect(201);
      expect(sdataAttr(payloadOf(xmlOf(first)), 'key')).toMatch(/^A\d{5}$/);
      const given = await asText(
        t.http().post(path(erp)).send(entryWith(`<account xmlns="urn:sdata-sync:demo" xmlns:sdata="${NS.sdata}" sdata:key="Z-9"><name>n</name></account>`)),
      ).expect(201);
      expect(given.headers.location).toBe(`${erp}('Z-9')`);
      const taken = await asText(
        t.http().post(path(erp)).send(entryWith(`<account xmlns="urn:sdata-sync:demo" xmlns:sdata="${NS.sdata}" sdata:key="Z-9"><name>n</name></account>`)),
      ).expect(409);
      expect(diagnosisCodes(xmlOf(taken))).toEqual(['Conflict']);
    });
  });

  describe('If-Match', () => {
    const ep = `${CRM}/accounts`;

    it('answers 412 on a stale ETag and changes nothing', async () => {
      const made = await asText(t.http().post(path(ep)).send(entryWith('<account xmlns="urn:sdata-sync:demo"><name>v1</name></account>'))).expect(201);
      const key = sdataAttr(payloadOf(xmlOf(made)), 'key')!;
      const url = path(`${ep}('${key}')`);
      const v2 = await asText(t.http().put(url).set('If-Match', made.headers.etag).send(entryWith('<account xmlns="urn:sdata-sync:demo"><name>v2</name></account>'))).expect(200);
      const before = await snapshot(t.db);
      for (const send of [
        () => t.http().put(url).set('If-Match', made.headers.etag).send(entryWith('<account xmlns="urn:sdata-sync:demo"><name>v3</name></account>')),
        () => t.http().put(url).set('If-Match', '"nope"').send(entryWith('<account xmlns="urn:sdata-sync:demo"><name>v3</name></account>')),
        () => t.http().delete(url).set('If-Match', made.headers.etag),
      ]) {
        const res = await asText(send()).expect(412);
        expect(diagnosisCodes(xmlOf(res))).toEqual(['PreconditionFailed']);
      }
      expect(await snapshot(t.db)).toEqual(before);
      const now = await asText(t.http().get(url)).expect(200);
      expect(prop(payloadOf(xmlOf(now)), 'name')).toBe('v2');
      expect(now.headers.etag).toBe(v2.headers.etag);
      // The etag as written in <http:etag> (unquoted) and `*` are accepted too.
      const tag = child(xmlOf(now), NS.http, 'etag')!.text;
      await t.http().put(url).set('If-Match', tag).send(entryWith('<account xmlns="urn:sdata-sync:demo"><name>v3</name></account>')).expect(200);
      await t.http().delete(url).set('If-Match', '*').expect(200);
    });
  });
});
