/**
 * Every place a digest comes in refuses one over `xml.maxDigestEntries` with a 400 diagnosis naming the
 * setting, quickly and changing nothing: the `$syncSource` body, `PUT $syncDigest`, a sync page's ceiling,
 * floor and `x:knowledge` at `$syncTarget`; a digest at the cap is accepted.
 */
import { randomUUID } from 'node:crypto';
import { NS } from '../../src/atom/namespaces';
import { child, childrenNamed, parseXml } from '../../src/atom/xml';
import { describeEachDatabase } from '../support/databases';
import { asText, openTestApp, snapshot, type TestApp } from './support/app';
import { CRM, ERP, testConfig } from './support/testConfig';
import { entryWith } from './support/xmlBodies';
import { getDigestXml, pathOf } from '../support/syncByHand';

const ENTRY = 'application/atom+xml;type=entry';
const FEED = 'application/atom+xml;type=feed';
const CAP = 500;
/** A guard against a pathology only, far above the usual: the old reader took 11 s for 30,000 entries on an idle machine. */
const REFUSED_WITHIN_MILLIS = 8_000;
const run = () => `trackingID=${randomUUID()}&runName=limits&runStamp=2026-12-01T00:00:00Z`;

/** `n` digest entries for endpoints no one knows (ticks 1, the stamp of a day). */
function entries(n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(`<sync:digestEntry><sync:endpoint>http://node${i}.test/sdata/a/test/-/accounts</sync:endpoint><sync:tick>1</sync:tick><sync:stamp>2026-03-01T10:00:00Z</sync:stamp><sync:conflictPriority>5</sync:conflictPriority></sync:digestEntry>`);
  }
  return out.join('');
}

const digestEntryDoc = (inner: string) => `<entry xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}" xmlns:sync="${NS.sync}"><sdata:payload><sync:digest>${inner}</sync:digest></sdata:payload></entry>`;
const bodyOf = (res: { body: unknown }): string => (typeof res.body === 'string' ? res.body : '');

function expectCapRefusal(res: { status: number; body: unknown }): void {
  expect(res.status).toBe(400);
  const diagnoses = childrenNamed(parseXml(bodyOf(res)), NS.sdata, 'diagnosis');
  expect(diagnoses.length).toBe(1);
  expect(child(diagnoses[0], NS.sdata, 'message')?.text).toContain(`over the limit of ${CAP} (xml.maxDigestEntries)`);
}

describeEachDatabase('digest entries are capped wherever a digest comes in', (tdb) => {
  let t: TestApp;
  let page: string;

  beforeAll(async () => {
    // The product's default body limit (10 MiB), which holds 30,000 digest entries.
    t = await openTestApp(tdb, testConfig({ server: { port: 0, publicBaseUrl: 'http://sdata.test', bodyLimitBytes: 10 * 1024 * 1024, defaultPageSize: 100, maxPageSize: 500 } }));
    const created = await asText(t.http().post(pathOf(`${CRM}/accounts`)).set('Content-Type', ENTRY).send(entryWith('<account xmlns="urn:sdata-sync:demo"><name>ACME</name></account>')));
    expect(created.status).toBe(201);
    const first = await asText(t.http().post(pathOf(`${CRM}/accounts/$syncSource?${run()}`)).set('Content-Type', ENTRY).send(await getDigestXml(t.app, `${ERP}/accounts`)));
    expect(first.status).toBe(200);
    page = bodyOf(first);
    expect(page).toContain('</sync:digest>');
  });

  async function timed(send: () => Promise<{ status: number; body: unknown }>) {
    const started = Date.now();
    const res = await send();
    expect(Date.now() - started).toBeLessThan(REFUSED_WITHIN_MILLIS);
    return res;
  }

  it('$syncSource: a floor of 30,000 entries is refused quickly, one at the cap is served', async () => {
    const before = await snapshot(t.db);
    const post = (body: string) => asText(t.http().post(pathOf(`${CRM}/accounts/$syncSource?${run()}`)).set('Content-Type', ENTRY).send(body));
    expectCapRefusal(await timed(() => post(digestEntryDoc(entries(30_000)))));
    expect(await snapshot(t.db)).toEqual(before);
    expect((await post(digestEntryDoc(entries(CAP)))).status).toBe(200);
  });

  it('a request sent while a 30,000-entry digest is refused is answered, within the same bound', async () => {
    const huge = asText(t.http().post(pathOf(`${CRM}/accounts/$syncSource?${run()}`)).set('Content-Type', ENTRY).send(digestEntryDoc(entries(30_000))));
    const other = timed(() => asText(t.http().get(pathOf(`${ERP}/accounts/$syncDigest`))));
    const [refusedRes, otherRes] = await Promise.all([huge, other]);
    expectCapRefusal(refusedRes);
    expect(otherRes.status).toBe(200);
  });

  it('PUT $syncDigest: 10,000 entries are refused, nothing stored; a digest at the cap is stored', async () => {
    const before = await snapshot(t.db);
    const put = (body: string) => asText(t.http().put(pathOf(`${ERP}/orders/$syncDigest`)).set('Content-Type', ENTRY).send(body));
    expectCapRefusal(await timed(() => put(digestEntryDoc(entries(10_000)))));
    expect(await snapshot(t.db)).toEqual(before);
    const ok = await put(digestEntryDoc(entries(CAP - 1)));
    expect(ok.status).toBe(200);
    expect(Number((await t.db('digest_entries').where({ endpoint_id: t.endpointId(`${ERP}/orders`) }).count({ n: '*' }))[0].n)).toBe(CAP - 1);
    // The endpoint's own entry comes first: the stored digest is exactly at the cap, and still reads back.
    expect(childrenNamed(child(child(parseXml(await getDigestXml(t.app, `${ERP}/orders`)), NS.sdata, 'payload'), NS.sync, 'digest'), NS.sync, 'digestEntry').length).toBe(CAP);
  });

  /** Where a sync page holds a digest: the closing tag extra entries go before. */
  const closing = { ceiling: '</sync:digest>', floor: '</x:floorDigest>', knowledge: '</x:knowledge>' } as const;
  type Place = keyof typeof closing;
  const places = Object.keys(closing) as Place[];

  /** The page with its digest at `place` holding `n` entries in all. */
  function pageWith(place: Place, n: number): string {
    const withKnowledge = place === 'knowledge' ? page.replace('</sync:syncState>', '<x:knowledge></x:knowledge></sync:syncState>') : page;
    const end = withKnowledge.indexOf(closing[place]);
    const open = withKnowledge.lastIndexOf(place === 'ceiling' ? '<sync:digest>' : place === 'floor' ? '<x:floorDigest>' : '<x:knowledge>', end);
    expect(open).toBeGreaterThan(0);
    const has = (withKnowledge.slice(open, end).match(/<sync:digestEntry>/g) ?? []).length;
    return withKnowledge.slice(0, end) + entries(n - has) + withKnowledge.slice(end);
  }

  it.each(['ceiling', 'floor'] as const)('$syncTarget: a page whose %s holds 30,000 entries is refused quickly, nothing applied', async (place) => {
    const before = await snapshot(t.db);
    const res = await timed(() => asText(t.http().post(pathOf(`${ERP}/accounts/$syncTarget?${run()}`)).set('Content-Type', FEED).send(pageWith(place, 30_000))));
    expectCapRefusal(res);
    expect(await snapshot(t.db)).toEqual(before);
  });

  // An entry's knowledge is the entry's own sync metadata: like any entry whose metadata cannot be read, the
  // entry is quarantined alone with the cap's diagnosis (the rest of its page would apply), never applied.
  it('$syncTarget: an entry whose knowledge holds 30,000 entries is quarantined alone, quickly, with the diagnosis', async () => {
    const resources = await t.db('resources').count({ n: '*' });
    const failures = Number((await t.db('failures').count({ n: '*' }))[0].n);
    const res = await timed(() => asText(t.http().post(pathOf(`${ERP}/accounts/$syncTarget?${run()}`)).set('Content-Type', FEED).send(pageWith('knowledge', 30_000))));
    expect(res.status).toBe(200);
    const statuses = childrenNamed(parseXml(bodyOf(res)), NS.atom, 'entry').map((e) => child(e, NS.http, 'httpStatus')?.text);
    expect(statuses).toEqual(['422']);
    expect(bodyOf(res)).toContain(`over the limit of ${CAP} (xml.maxDigestEntries)`);
    expect(await t.db('resources').count({ n: '*' })).toEqual(resources);
    expect(Number((await t.db('failures').count({ n: '*' }))[0].n)).toBe(failures + 1);
  });

  it.each(places)('$syncTarget: a page whose %s is at the cap is applied', async (place) => {
    const res = await asText(t.http().post(pathOf(`${ERP}/accounts/$syncTarget?${run()}`)).set('Content-Type', FEED).send(pageWith(place, CAP)));
    expect(res.status >= 200 && res.status < 300 ? 'applied' : `${res.status} ${bodyOf(res).slice(0, 300)}`).toBe('applied');
  });
});
