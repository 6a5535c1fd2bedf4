/**
 * SData JSON (core 3.15) on the wire, driven exactly as Sage's JavaScript client (Sage/SDataJavaScriptClientLib,
 * src/SDataService.js) drives a provider in JSON mode, and checked by what it reads:
 *
 *   every request   `format=json` in the query, `X-Authorization-Mode: no-challenge`
 *   readFeed        GET {ep}, Accept `application/json,*\/*`; reads `$resources`, `$totalResults`, `$startIndex`, `$itemsPerPage`
 *   readEntry       GET {ep}('K') (and {ep}/$template), Accept `application/json,*\/*`; a document without
 *                   `$resources` is the entry itself; reads `$key`, `$url`, `$etag` and the properties
 *   createEntry     POST {ep}, `Content-Type: application/json`, body `JSON.stringify(entry)`, no Accept
 *   updateEntry     PUT {ep}('K'), `If-Match: entry.$etag`, the entry it read (with its `$` fields) changed
 *   deleteEntry     DELETE {ep}('K'), `If-Match: entry.$etag`
 *
 * Round trips for every property type (string, integer, decimal, boolean, date, datetime, reference,
 * children), a fast-check property over random values, the diagnoses of the same values in XML for a bad
 * JSON body (naming its JSON properties), malformed and too deep JSON refused with a JSON diagnosis and nothing changed;
 * Accept negotiation; `$syncDigest` in JSON; sync feeds stay Atom.
 */
import fc from 'fast-check';
import type { Test } from 'supertest';
import { describeEachDatabase } from '../support/databases';
import { asText, openTestApp, snapshot, xmlOf, type TestApp } from './support/app';
import { CRM } from './support/testConfig';
import { entryWith } from './support/xmlBodies';
import { diagnosesIn } from '../../src/atom/diagnosisXml';
import { MAX_JSON_DEPTH } from '../../src/json/jsonBody';

const ORDERS = '/sdata/crm/test/-/orders';
const ACCOUNTS = '/sdata/crm/test/-/accounts';

/** The headers and query parameter the JavaScript client adds to every request in JSON mode. */
const asJsClient = (req: Test, accept = true): Test => {
  const r = req.query({ format: 'json' }).set('X-Authorization-Mode', 'no-challenge');
  return accept ? r.set('Accept', 'application/json,*/*') : r;
};

/** The client's processFeed: JSON with `$resources` is a feed, anything else one entry. */
const processFeed = (body: Record<string, unknown>) => ('$resources' in body ? body : { $resources: [body] }) as { $resources: Record<string, unknown>[] } & Record<string, unknown>;

describeEachDatabase('SData JSON', (tdb) => {
  let t: TestApp;
  let accountUuid: string;

  beforeAll(async () => {
    t = await openTestApp(tdb);
    const acc = await asJsClient(t.http().post(ACCOUNTS), false).set('Content-Type', 'application/json').send(JSON.stringify({ name: 'ACME' }));
    expect(acc.status).toBe(201);
    accountUuid = acc.body.$uuid;
  });

  const createOrder = (entry: unknown) => asJsClient(t.http().post(ORDERS), false).set('Content-Type', 'application/json').send(JSON.stringify(entry));

  it('creates, reads, updates and deletes as the JavaScript client does, for every property type', async () => {
    const sent = {
      $name: 'order',
      number: 'N-1 "q" & <t>',
      quantity: 3,
      total: 12.5,
      paid: true,
      placedOn: '2026-11-22',
      placedAt: '2026-11-22T14:00:00+02:00',
      account: { $uuid: accountUuid },
      lines: { $resources: [{ $name: 'line', product: 'bolt', qty: 2, price: '0.10', shipped: false, due: '2026-12-01', at: '2026-12-01T08:00:00Z' }, { product: 'nut', qty: null }] },
    };
    const created = await createOrder(sent);
    expect(created.status).toBe(201);
    expect(created.headers['content-type']).toMatch(/^application\/json/);
    const entry = processFeed(created.body).$resources[0];
    expect(created.headers.location).toBe(entry.$url);
    const rows = (entry.lines as { $resources: Record<string, unknown>[] }).$resources;
    expect(entry).toEqual({
      $url: `${CRM}/orders('${entry.$key}')`,
      $key: entry.$key,
      $uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      $etag: created.headers.etag.replace(/"/g, ''),
      $updated: expect.any(String),
      $descriptor: `order ${entry.$key}: number N-1 "q" & <t>, quantity 3, total 12.5, paid true, placedOn 2026-11-22, placedAt 2026-11-22T12:00:00.000Z`,
      $name: 'order',
      number: 'N-1 "q" & <t>',
      quantity: 3,
      total: '12.5',
      paid: true,
      placedOn: '2026-11-22',
      placedAt: '2026-11-22T12:00:00.000Z',
      account: { $uuid: accountUuid },
      lines: {
        $resources: [
          { $uuid: rows[0].$uuid, $name: 'line', product: 'bolt', qty: 2, price: '0.10', shipped: false, due: '2026-12-01', at: '2026-12-01T08:00:00.000Z' },
          { $uuid: rows[1].$uuid, $name: 'line', product: 'nut', qty: null },
        ],
      },
    });

    const read = await asJsClient(t.http().get(`${ORDERS}('${entry.$key}')`));
    expect(read.status).toBe(200);
    expect(processFeed(read.body).$resources[0]).toEqual(entry);

    // The Atom view of the same resource holds the same values.
    const atom = await asText(t.http().get(`${ORDERS}('${entry.$key}')`));
    expect(atom.body).toContain('<total>12.5</total><paid>true</paid><placedOn>2026-11-22</placedOn><placedAt>2026-11-22T12:00:00.000Z</placedAt>');

    // updateEntry: the entry as read, one value changed, sent back with its $ fields and If-Match.
    const changed = { ...entry, total: '99.90', paid: null };
    const put = await asJsClient(t.http().put(`${ORDERS}('${entry.$key}')`), false).set('If-Match', String(entry.$etag)).set('Content-Type', 'application/json').send(JSON.stringify(changed));
    expect(put.status).toBe(200);
    const updated = processFeed(put.body).$resources[0];
    // A full update: a row's properties it leaves out are null (PROTOCOL.md 2.7).
    const [bolt, nut] = (entry.lines as { $resources: Record<string, unknown>[] }).$resources;
    const lines = { $resources: [bolt, { ...nut, price: null, shipped: null, due: null, at: null }] };
    expect(updated).toEqual({ ...entry, total: '99.90', paid: null, lines, $etag: expect.any(String), $updated: expect.any(String), $descriptor: expect.any(String) });
    expect(updated.$etag).not.toBe(entry.$etag);

    const stale = await asJsClient(t.http().put(`${ORDERS}('${entry.$key}')`), false).set('If-Match', String(entry.$etag)).set('Content-Type', 'application/json').send(JSON.stringify(changed));
    expect(stale.status).toBe(412);
    expect(stale.body.$diagnoses[0]).toMatchObject({ severity: 'Error', sdataCode: 'PreconditionFailed' });

    const del = await asJsClient(t.http().delete(`${ORDERS}('${entry.$key}')`), false).set('If-Match', String(updated.$etag));
    expect(del.status).toBe(200);
    expect((await asJsClient(t.http().get(`${ORDERS}('${entry.$key}')`))).status).toBe(404);
  });

  it('reads a feed as the JavaScript client does: $resources and the opensearch counts, paging links kept in JSON', async () => {
    for (let i = 0; i < 3; i++) expect((await createOrder({ number: `F-${i}` })).status).toBe(201);
    const res = await asJsClient(t.http().get(ORDERS)).query({ count: 2 });
    expect(res.status).toBe(200);
    const feed = processFeed(res.body);
    expect(feed).toMatchObject({ $url: `${CRM}/orders`, $totalResults: 3, $startIndex: 1, $itemsPerPage: 2 });
    expect(feed.$resources.map((r) => r.number)).toEqual(['F-0', 'F-1']);
    const next = new URL(String(feed.$next));
    expect(Object.fromEntries(next.searchParams)).toEqual({ format: 'json', startIndex: '3', count: '2' });
    const page2 = await t.http().get(next.pathname + next.search);
    expect(page2.body.$resources.map((r: { number: string }) => r.number)).toEqual(['F-2']);
  });

  it('round-trips random values of every scalar type through JSON (fast-check)', async () => {
    const text = fc.string({ maxLength: 20 }).filter((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(s) && s.trim() === s && s !== '');
    const decimal = fc.tuple(fc.integer({ min: -99999, max: 99999 }), fc.integer({ min: 0, max: 3 })).map(([n, scale]) => (n / 10 ** scale).toFixed(scale));
    const date = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2199-12-31T00:00:00Z'), noInvalidDate: true });
    await fc.assert(
      fc.asyncProperty(
        fc.record({ number: text, quantity: fc.option(fc.maxSafeInteger().map((n) => n % 1_000_000_000)), total: fc.option(decimal), paid: fc.option(fc.boolean()), placedOn: fc.option(date.map((d) => d.toISOString().slice(0, 10))), placedAt: fc.option(date.map((d) => d.toISOString())) }),
        async (values) => {
          const res = await createOrder(values);
          expect(res.status).toBe(201);
          const { $url, $key, $uuid, $etag, $updated, $descriptor, $name, lines, ...back } = res.body;
          expect([typeof $url, typeof $key, typeof $uuid, typeof $etag, typeof $updated, typeof $descriptor, $name, lines]).toEqual(['string', 'string', 'string', 'string', 'string', 'string', 'order', undefined]);
          expect(back).toEqual(values);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('gives a bad JSON body the diagnoses of the same values in XML, naming JSON things, and changes nothing', async () => {
    const before = await snapshot(t.db);
    const json = await createOrder({ number: 'x'.repeat(21), quantity: 1.5, total: 'lots', paid: 'yes', placedOn: '2026-02-30', colour: 'red', account: { $key: '12' }, lines: { $resources: [{ qty: 1 }] } });
    const xml = await asText(
      t.http().post(ORDERS).set('Content-Type', 'application/atom+xml;type=entry').send(
        entryWith(`<order xmlns="urn:sdata-sync:demo"><number>${'x'.repeat(21)}</number><quantity>1.5</quantity><total>lots</total><paid>yes</paid><placedOn>2026-02-30</placedOn><colour>red</colour><account>12</account><lines><line><qty>1</qty></line></lines></order>`),
      ),
    );
    expect(json.status).toBe(400);
    expect(xml.status).toBe(400);
    // Paths into the JSON body (rows 1-based, as a ForbiddenCharacter's), not the XML elements of the same values.
    expect(json.body.$diagnoses.map((d: { payloadPath: string }) => d.payloadPath)).toEqual(['number', 'quantity', 'total', 'paid', 'placedOn', 'colour', 'account', 'lines/$resources/1/product']);
    const xmlDiagnoses = diagnosesIn(xmlOf(xml));
    expect(xmlDiagnoses.map((d) => d.payloadPath)).toEqual(['order/number', 'order/quantity', 'order/total', 'order/paid', 'order/placedOn', 'order/colour', 'order/account', 'order/lines/line[1]/product']);
    // The same problems (codes, one for one); the JSON messages name properties, never elements.
    const codes = (ds: { sdataCode: string; applicationCode?: string }[]) => ds.map((d) => `${d.sdataCode}/${d.applicationCode}`);
    expect(codes(json.body.$diagnoses)).toEqual(codes(xmlDiagnoses));
    expect(json.body.$diagnoses.map((d: { message: string }) => d.message).filter((m: string) => /[<>]|sdata:/.test(m))).toEqual([]);
    expect(json.body.$diagnoses[0].message).toBe("'number' is longer than 20 characters");
    expect(xmlDiagnoses[0].message).toBe('<number> is longer than 20 characters');
    expect(json.body.$diagnoses[6].message).toBe("the reference 'account' must carry $uuid (references are by UUID only)");
    expect(new Set(json.body.$diagnoses.map((d: { requestId: string }) => d.requestId))).toEqual(new Set([json.headers['x-request-id']]));
    expect(new Set(diagnosesIn(xmlOf(xml)).map((d) => d.requestId))).toEqual(new Set([xml.headers['x-request-id']]));
    expect(await snapshot(t.db)).toEqual(before);
  });

  it.each([
    ['malformed JSON', '{"number": "N", ', 'MalformedJson'],
    ['not an object', '["N"]', 'NotAnEntry'],
    ['too deep', `{"number": "N", "lines": ${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}}`, 'JsonTooDeep'],
    ['empty', '', 'MissingBody'],
  ])('%s: 400 with a JSON diagnosis, nothing changed', async (_label, body, applicationCode) => {
    const before = await snapshot(t.db);
    const res = await asJsClient(t.http().post(ORDERS), false).set('Content-Type', 'application/json').send(body);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.$diagnoses).toEqual([expect.objectContaining({ severity: 'Error', sdataCode: 'BadRequest', applicationCode, message: expect.any(String) })]);
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('refuses a JSON body over the configured size limit with 413 in JSON, nothing changed', async () => {
    const before = await snapshot(t.db);
    const res = await createOrder({ number: 'N', padding: 'x'.repeat(t.runtime.cfg.server.bodyLimitBytes) });
    expect(res.status).toBe(413);
    expect(res.body.$diagnoses[0]).toMatchObject({ sdataCode: 'RequestEntityTooLarge' });
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('negotiates: format first, then Accept; a merged Accept list and */* get Atom', async () => {
    const type = async (query: string, accept?: string) => {
      const req = t.http().get(`${ACCOUNTS}${query}`);
      const res = await asText(accept ? req.set('Accept', accept) : req);
      expect(res.status).toBe(200);
      return (res.headers['content-type'] as string).split(';')[0];
    };
    expect(await type('', 'application/json')).toBe('application/json');
    expect(await type('', 'application/json,*/*')).toBe('application/json');
    expect(await type('?format=application/json')).toBe('application/json');
    expect(await type('?format=json', 'application/atom+xml')).toBe('application/json');
    expect(await type('?format=atom', 'application/json')).toBe('application/atom+xml');
    expect(await type('', '*/*, application/atom+xml;type=feed,*/*')).toBe('application/atom+xml');
    expect(await type('', 'application/atom+xml;type=feed,*/*')).toBe('application/atom+xml');
    expect(await type('', '*/*')).toBe('application/atom+xml');
    expect(await type('')).toBe('application/atom+xml');
  });

  it('serves $syncDigest in JSON; sync feeds stay Atom; a JSON error for a format a route does not serve', async () => {
    const digest = await t.http().get(`${ACCOUNTS}/$syncDigest?format=json`);
    expect(digest.status).toBe(200);
    expect(digest.body).toMatchObject({ $url: `${CRM}/accounts/$syncDigest`, origin: `${CRM}/accounts`, digestEntry: [{ endpoint: `${CRM}/accounts`, tick: expect.any(Number), conflictPriority: 1 }] });
    const atomDigest = await asText(t.http().get('/sdata/erp/test/-/accounts/$syncDigest'));
    const page = await asText(
      t.http().post(`${ACCOUNTS}/$syncSource?trackingID=${crypto.randomUUID()}`).set('Accept', 'application/json').set('Content-Type', 'application/atom+xml;type=entry').send(atomDigest.body as string),
    );
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^application\/atom\+xml; type=feed/);
    const refused = await t.http().get(`${ACCOUNTS}/$schema?format=json`);
    expect(refused.status).toBe(400);
    expect(refused.body.$diagnoses[0]).toMatchObject({ sdataCode: 'BadQueryParameter' });
  });
});
