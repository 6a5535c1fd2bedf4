/**
 * `$conflicts`, `$failures` and `$syncResults` answer SData JSON (`format=json` or a JSON Accept header)
 * with what their Atom entries hold: a conflict's versions (payload and sync state), a quarantined entry's
 * diagnoses, sync state and payload as sent, a stored result's counts; the listing, a single item and a
 * `$resolve` / `$retry` answer alike (`$resolve` takes `{ "action": … }` too). Atom stays the default.
 */
import request from 'supertest';
import { describeEachDatabase } from '../support/databases';
import { parseConflictFeed, parseFailureFeed } from '../../src/atom/parkedFeeds';
import { parseResultFeed, summariseResults } from '../../src/atom/resultFeed';
import { attr, parseXml } from '../../src/atom/xml';
import { NS } from '../../src/atom/namespaces';
import { asText, openTestApp, type TestApp } from './support/app';
import { CRM, ERP } from './support/testConfig';
import { pathOf } from '../support/syncByHand';
import { parkOneOfEach } from '../support/parkOneOfEach';

const A = `${CRM}/accounts`;
const B = `${ERP}/accounts`;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers read field by field
type Json = Record<string, any>;

describeEachDatabase('the sync listings in SData JSON', (tdb) => {
  let t: TestApp;
  const get = (url: string, query: Record<string, string> = {}) => request(t.app).get(pathOf(url)).query(query);
  const jsonOf = async (test: request.Test, status = 200): Promise<Json> => {
    const res = await test;
    expect([res.status, res.headers['content-type'], res.text.slice(0, 200)]).toEqual([status, expect.stringMatching(/^application\/json/), expect.anything()]);
    return res.body as Json;
  };
  const atomOf = async (test: request.Test): Promise<string> => {
    const res = await asText(test);
    expect([res.status, res.headers['content-type']]).toEqual([200, expect.stringMatching(/^application\/atom\+xml/)]);
    return res.body as string;
  };

  beforeAll(async () => {
    t = await openTestApp(tdb);
    await parkOneOfEach(t.app, A, B);
  });

  it('$conflicts: the feed, an item and a $resolve answer hold both versions with payload and sync state, as the Atom entry does', async () => {
    const atom = parseConflictFeed(await atomOf(get(`${B}/$conflicts`)));
    const feed = await jsonOf(get(`${B}/$conflicts`, { format: 'json' }));
    expect(feed).toMatchObject({ $url: `${B}/$conflicts`, $totalResults: 1, $startIndex: 1 });
    const [c] = feed.$resources as Json[];
    const [a] = atom.items;
    expect(c).toMatchObject({ $url: `${B}/$conflicts('${a.id}')`, $key: a.id, status: 'open', winner: a.winner, reason: a.reason, uuid: a.uuid, resource: a.resource, createdAt: a.createdAt, runName: 'conflicting' });
    for (const side of ['winnerVersion', 'loserVersion'] as const) {
      expect(c[side].syncState).toMatchObject(a[side].state);
      expect(c[side].payload).toMatchObject({ $uuid: a.uuid, $url: a.resource, $name: 'account', name: a[side].values.name });
    }
    expect([c.winnerVersion.payload.name, c.loserVersion.payload.name].sort()).toEqual(['Changed at the source', 'Changed at the target']);

    // One item, by a JSON Accept header: the same object as in the listing.
    expect(await jsonOf(get(`${B}/$conflicts('${a.id}')`).set('Accept', 'application/json'))).toEqual(c);
    const resolve = (body: unknown) => request(t.app).post(pathOf(`${B}/$conflicts('${a.id}')/$resolve?format=json`)).set('Content-Type', 'application/json').send(JSON.stringify(body));
    const unclear = await jsonOf(resolve({ action: 'later' }), 400);
    expect(unclear.$diagnoses).toEqual([expect.objectContaining({ applicationCode: 'BadResolveAction' })]);
    expect(await jsonOf(get(`${B}/$conflicts('${a.id}')`, { format: 'json' }))).toEqual(c);
    const dismissed = await jsonOf(resolve({ action: 'dismiss' }));
    expect(dismissed).toMatchObject({ ...c, $descriptor: expect.stringMatching(/; dismissed$/), status: 'dismissed', decidedAt: expect.any(String), $updated: dismissed.decidedAt });
    // An error is a JSON diagnosis too.
    const again = await jsonOf(request(t.app).post(pathOf(`${B}/$conflicts('${a.id}')/$resolve?action=dismiss&format=json`)), 409);
    expect(again.$diagnoses).toEqual([expect.objectContaining({ applicationCode: 'AlreadyResolved' })]);
  });

  it('$failures: the feed, an item and a $retry answer hold the diagnoses, sync state and payload as sent, as the Atom entry does', async () => {
    const atom = parseFailureFeed(await atomOf(get(`${B}/$failures`, { status: 'open' })));
    const feed = await jsonOf(get(`${B}/$failures`, { status: 'open', format: 'json' }));
    expect(feed).toMatchObject({ $url: `${B}/$failures`, $totalResults: atom.total });
    const [f] = feed.$resources as Json[];
    const [a] = atom.items;
    expect(f).toMatchObject({ $key: a.id, status: 'open', attempts: a.attempts, uuid: a.uuid, createdAt: a.createdAt, syncState: { endpoint: A, tick: expect.any(Number) } });
    expect(f.$diagnoses).toEqual(a.diagnoses.map((d) => expect.objectContaining({ applicationCode: d.applicationCode, message: d.message, payloadPath: d.payloadPath })));
    expect(f.$diagnoses).toEqual([expect.objectContaining({ applicationCode: 'InvalidValue', payloadPath: 'account/balance' })]);
    // The payload as sent: XML text standing alone, with the values the Atom entry quotes.
    const payload = parseXml(f.payload as string);
    expect([payload.name, payload.ns, attr(payload, NS.sdata, 'uuid')]).toEqual(['account', 'urn:sdata-sync:demo', a.uuid]);
    expect(Object.fromEntries(payload.children.map((e) => [e.name, e.text]))).toEqual(a.payload);
    expect(a.payload).toMatchObject({ name: 'Spoilt', balance: 'not a number' });

    expect(await jsonOf(get(`${B}/$failures('${a.id}')`, { format: 'json' }))).toEqual(f);
    const retried = await jsonOf(request(t.app).post(pathOf(`${B}/$failures('${a.id}')/$retry`)).set('Accept', 'application/json'));
    expect(retried).toMatchObject({ $key: a.id, status: 'open', attempts: a.attempts + 1, payload: f.payload });
  });

  it('$syncResults: the feed holds each result with its run, its counts and the result feed as posted', async () => {
    const atom = await atomOf(get(`${A}/$syncResults`));
    const feed = await jsonOf(get(`${A}/$syncResults`, { runName: 'conflicting', format: 'json' }));
    expect(feed).toMatchObject({ $url: `${A}/$syncResults`, $totalResults: 1 });
    const [r] = feed.$resources as Json[];
    expect(r).toMatchObject({ runName: 'conflicting', runStamp: expect.any(String), $updated: expect.any(String) });
    expect(r.summary).toEqual(summariseResults(parseResultFeed(r.resultFeed).entries));
    expect(r.summary).toMatchObject({ conflicts: 1 });
    expect(atom).toContain(`<x:conflicts>${r.summary.conflicts}</x:conflicts>`);
  });

  it('pages a JSON listing with the Atom feed\'s links, and keeps Atom the default', async () => {
    const page = await jsonOf(get(`${B}/$failures`, { count: '1', format: 'json' }));
    expect(page).toMatchObject({ $itemsPerPage: 1, $first: expect.stringContaining('count=1') });
    // Its links lead to JSON pages (the format is kept), and count=0 answers the total alone.
    expect(new URL(page.$first as string).searchParams.get('format')).toBe('json');
    expect(await jsonOf(get(`${B}/$failures`, { count: '0', format: 'json' }))).toMatchObject({ $itemsPerPage: 0, $resources: [] });
    expect((await atomOf(get(`${B}/$conflicts`))).startsWith('<?xml')).toBe(true);
    expect((await atomOf(get(`${B}/$conflicts`, { format: 'atom' }).set('Accept', 'application/json'))).startsWith('<?xml')).toBe(true);
  });

  it('refuses a format it does not serve and a parameter it does not know, on a listing and on an item (400, nothing listed)', async () => {
    for (const [url, query] of [
      [`${B}/$conflicts`, { format: 'csv' }],
      [`${B}/$failures`, { sorce: 'x' }],
      [`${A}/$syncResults`, { statuss: 'open' }],
      [`${B}/$conflicts('1')`, { count: '5' }],
      [`${B}/$failures('1')`, { format: 'csv' }],
    ] as const) {
      const res = await get(url, query);
      expect([url, res.status, res.text]).toEqual([url, 400, expect.stringContaining('BadQueryParameter')]);
    }
  });
});
