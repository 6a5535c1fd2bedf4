/**
 * Requests to a partitioned kind (PROTOCOL.md 2.9), over HTTP: the kind URL reads every partition's
 * resources (feed, count, paging, by key), a partition's `where` in any spelling reads its partition, writes
 * go to the partition the values fall in and are refused (nothing changed) when they fall in none, keys
 * are unique across partitions, and the kind's sync URLs are refused naming the partitions.
 */
import { randomUUID } from 'node:crypto';
import { describeEachDatabase } from '../support/databases';
import { asText, openTestApp, snapshot, xmlOf, type TestApp } from '../endpoint/support/app';
import { pathOf } from '../support/syncByHand';
import { accountEntry, HQ, HQ_DE, HQ_FR, partitionConfig } from './support';
import { diagnosesIn } from '../../src/atom/diagnosisXml';
import { parseXml } from '../../src/atom/xml';

const ATOM_ENTRY = 'application/atom+xml;type=entry';

describeEachDatabase('partitioned kind requests', (tdb) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(tdb, partitionConfig());
  });

  const post = (url: string, body: string) => asText(t.http().post(pathOf(url)).set('Content-Type', ATOM_ENTRY).send(body));
  const rowsOf = async (url: string) => (await t.db('resources').where({ endpoint_id: t.endpointId(url) }).select('local_key', 'uuid', 'deleted', 'payload').orderBy('local_key')) as { local_key: string; uuid: string; deleted: boolean; payload: Record<string, unknown> }[];
  const feed = async (path: string) => {
    const res = await asText(t.http().get(path));
    expect(res.status).toBe(200);
    const doc = xmlOf(res);
    const total = Number(doc.children.find((c) => c.name === 'totalResults')?.text ?? NaN);
    const entries = doc.children.filter((c) => c.name === 'entry').length;
    return { total, entries, text: res.body as string };
  };

  it('creates each resource in the partition its values fall in, keys allocated kind-wide', async () => {
    for (const [name, country] of [['Alpha', 'FR'], ['Beta', 'DE'], ['Gamma', 'FR'], ['Delta', 'DE'], ['Epsilon', 'FR']]) {
      const res = await post(HQ, accountEntry({ name, country }));
      expect(res.status).toBe(201);
    }
    const fr = await rowsOf(HQ_FR);
    const de = await rowsOf(HQ_DE);
    expect(fr.map((r) => r.payload.name)).toEqual(['Alpha', 'Gamma', 'Epsilon']);
    expect(de.map((r) => r.payload.name)).toEqual(['Beta', 'Delta']);
    expect([...fr, ...de].map((r) => r.local_key).sort()).toEqual(['1', '2', '3', '4', '5']);
    expect(await rowsOf(HQ)).toEqual([]);
  });

  it('reads the whole set through the kind URL: feed, count, paging, by key', async () => {
    const all = await feed(pathOf(`${HQ}?count=2`));
    expect(all.total).toBe(5);
    expect(all.entries).toBe(2);
    const second = await feed(pathOf(`${HQ}?count=2&startIndex=3`));
    expect(second.entries).toBe(2);
    const last = await feed(pathOf(`${HQ}?count=2&startIndex=5`));
    expect(last.entries).toBe(1);
    for (const key of ['1', '2', '5']) {
      const one = await asText(t.http().get(pathOf(`${HQ}('${key}')`)));
      expect(one.status).toBe(200);
    }
    const filtered = await feed(pathOf(`${HQ}?where=name eq 'Beta'`));
    expect(filtered.total).toBe(1);
  });

  it.each([`${HQ}?where=country eq 'FR'`, `${HQ}?where=country+eq+%27FR%27`, `${HQ}?where=%20country%20%20eq%20'FR'`])('reads the FR partition through %s', async (url) => {
    const fr = await feed(pathOf(url));
    expect(fr.total).toBe(3);
    expect(fr.text).toContain('Gamma');
    expect(fr.text).not.toContain('Beta');
  });

  it('reads a single resource through a partition URL too', async () => {
    const res = await asText(t.http().get(`${new URL(HQ).pathname}('2')?where=${encodeURIComponent("country eq 'FR'")}`));
    expect(res.status).toBe(200);
    expect(res.body as string).toContain('Beta');
  });

  it.each([
    [{ name: 'Nowhere', country: 'IT' }, 'NoPartition'],
    [{ name: 'Nocountry' }, 'NoPartition'],
  ])('refuses %j with a diagnosis, changing nothing', async (values, code) => {
    const before = await snapshot(t.db);
    const res = await post(HQ, accountEntry(values));
    expect(res.status).toBe(400);
    expect(diagnosesIn(parseXml(res.body as string)).map((d) => d.applicationCode)).toEqual([code]);
    expect(await snapshot(t.db)).toEqual(before);
    const put = await asText(t.http().put(pathOf(`${HQ}('1')`)).set('Content-Type', ATOM_ENTRY).send(accountEntry(values)));
    expect(put.status).toBe(400);
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('refuses a given key or UUID held in another partition', async () => {
    const [beta] = (await rowsOf(HQ_DE)).filter((r) => r.payload.name === 'Beta');
    expect((await post(HQ, accountEntry({ name: 'Clash', country: 'FR' }, { key: beta.local_key }))).status).toBe(409);
    expect((await post(HQ, accountEntry({ name: 'Clash', country: 'FR' }, { uuid: beta.uuid }))).status).toBe(409);
    const own = await post(HQ, accountEntry({ name: 'Own', country: 'FR' }, { key: 'K9', uuid: randomUUID() }));
    expect(own.status).toBe(201);
  });

  it('runs a $batch through the kind URL: each create in its partition, one falling in none refused alone, an update moving', async () => {
    const entry = (method: string, payload: string, id?: string) =>
      `<entry>${id ? `<id>${id}</id>` : ''}<http:httpMethod>${method}</http:httpMethod><sdata:payload>${payload}</sdata:payload></entry>`;
    const acc = (name: string, country: string) => `<account xmlns="urn:test"><name>${name}</name><country>${country}</country></account>`;
    const body = `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:sdata="http://schemas.sage.com/sdata/2008/1" xmlns:http="http://schemas.sage.com/sdata/http/2008/1">${[
      entry('POST', acc('Batch FR', 'FR')),
      entry('POST', acc('Batch IT', 'IT')),
      entry('POST', acc('Batch DE', 'DE')),
      entry('PUT', acc('Alpha', 'DE'), `${HQ}('1')`),
    ].join('')}</feed>`;
    const res = await asText(t.http().post(pathOf(`${HQ}/$batch`)).set('Content-Type', 'application/atom+xml;type=feed').send(body));
    expect(res.status).toBe(200);
    expect([...(res.body as string).matchAll(/<http:httpStatus>(\d+)<\/http:httpStatus>/g)].map((m) => m[1])).toEqual(['201', '400', '201', '200']);
    expect((await rowsOf(HQ_FR)).filter((r) => !r.deleted).map((r) => r.payload.name)).toContain('Batch FR');
    expect((await rowsOf(HQ_DE)).filter((r) => !r.deleted).map((r) => r.payload.name).sort()).toEqual(['Alpha', 'Batch DE', 'Beta', 'Delta']);
    expect((await rowsOf(HQ_FR)).find((r) => r.local_key === '1')?.deleted).toBe(true);
  });

  it.each(['$syncDigest', '$syncSource', '$syncTarget', '$syncNotify'])('refuses %s of the kind, naming the partitions', async (service) => {
    const res = await asText(service === '$syncDigest' || service === '$syncNotify' ? t.http().get(pathOf(`${HQ}/${service}`)) : t.http().post(pathOf(`${HQ}/${service}`)).set('Content-Type', 'application/atom+xml').send('<feed xmlns="http://www.w3.org/2005/Atom"/>'));
    expect(res.status).toBe(400);
    const [d] = diagnosesIn(parseXml(res.body as string));
    expect(d.applicationCode).toBe('PartitionedKind');
    expect(d.message).toContain(`${HQ}/${service}?where=country%20eq%20'FR'`);
  });

  it('reads a where on $conflicts and $failures of a kind without partitions as the listing\'s filter', async () => {
    for (const service of ['$conflicts', '$failures']) {
      const res = await asText(t.http().get(`/sdata/fr/test/-/accounts/${service}?where=${encodeURIComponent("status eq 'open'")}`));
      expect(res.status).toBe(200);
    }
  });

  it.each(['$syncDigest', '$syncSource'])('refuses %s of a kind without partitions given a where', async (service) => {
    const url = `/sdata/fr/test/-/accounts/${service}?where=${encodeURIComponent("country eq 'FR'")}`;
    const res = await asText(service === '$syncSource' ? t.http().post(url).set('Content-Type', ATOM_ENTRY).send('<entry xmlns="http://www.w3.org/2005/Atom"/>') : t.http().get(url));
    expect(res.status).toBe(400);
    expect(diagnosesIn(parseXml(res.body as string)).map((d) => d.applicationCode)).toEqual(['NotPartitioned']);
  });

  it('serves each partition its own digest', async () => {
    for (const url of [HQ_FR, HQ_DE, `${HQ}?where=country+eq+%27FR%27`]) {
      const res = await asText(t.http().get(pathOf(url.replace('?', '/$syncDigest?'))));
      expect(res.status).toBe(200);
    }
    const fr = await asText(t.http().get(pathOf(HQ_FR.replace('?', '/$syncDigest?'))));
    expect(fr.body as string).toMatch(/<sync:origin>http:\/\/sdata.test\/sdata\/hq\/test\/-\/accounts\?where=country%20eq%20('|&apos;)FR('|&apos;)<\/sync:origin>/);
  });
});
