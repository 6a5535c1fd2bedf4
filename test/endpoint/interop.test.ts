/**
 * PROTOCOL.md section 8: existing SData clients work unmodified. Each test sends exactly what such a
 * client sends (percent-encoded `$`, `_t` cache busters, merged Accept lists, bare `<entry>` bodies with
 * the payload in `http://schemas.sage.com/dynamic/2007`, `application/atom+xml;type=entry` without a space)
 * and checks what those clients read literally: prefixes, sdata:key/url/uri/uuid, http:etag, bodies.
 */
import { describeEachDatabase } from '../support/databases';
import { NS } from '../../src/atom/namespaces';
import { child, childrenNamed } from '../../src/atom/xml';
import { asText, openTestApp, xmlOf, type TestApp } from './support/app';
import { CRM } from './support/testConfig';
import { account, entriesOf, linksOf, payloadOf, prop, sdataAttr } from './support/xmlBodies';

const EP = '/sdata/crm/test/-/accounts';
const MERGED_ACCEPT = '*/*, application/atom+xml;type=feed,*/*';
const CLIENT_ENTRY_TYPE = 'application/atom+xml;type=entry';
/** What Sage's clients POST: a bare entry, no id, title or updated; payload in the dynamic namespace. */
const bareEntry = (payload: string) => `<entry xmlns="http://www.w3.org/2005/Atom" xmlns:sdata="http://schemas.sage.com/sdata/2008/1"><sdata:payload>${payload}</sdata:payload></entry>`;

/** Prefixes written as clients read them: root unprefixed Atom, sdata:/http:/opensearch:/sync: literally. */
function expectClientPrefixes(xml: string, root: 'feed' | 'entry'): void {
  expect(xml).toMatch(new RegExp(`^<\\?xml[^>]*\\?><${root} [^>]*xmlns="http://www\\.w3\\.org/2005/Atom"`));
  expect(xml).toContain(`xmlns:sdata="${NS.sdata}"`);
  expect(xml).toContain(`xmlns:http="${NS.http}"`);
  expect(xml).not.toMatch(/<atom:|<ns\d+:/);
}

describeEachDatabase('existing SData clients (PROTOCOL.md 8)', (tdb) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await openTestApp(tdb);
  });

  it('accepts a bare entry in the dynamic namespace, typed without a space, and answers 201 with the full entry', async () => {
    const res = await asText(
      t.http().post(EP).set('Content-Type', CLIENT_ENTRY_TYPE).set('Accept', MERGED_ACCEPT).send(bareEntry(account('<name>ACME</name><balance>10.50</balance>', '', NS.dynamic))),
    ).expect(201);
    expect(res.headers['content-type']).toMatch(/^application\/atom\+xml; ?type=entry/);
    expectClientPrefixes(res.body, 'entry');
    const entry = xmlOf(res);
    const p = payloadOf(entry);
    const key = sdataAttr(p, 'key')!;
    const url = `${CRM}/accounts('${key}')`;
    expect(res.headers.location).toBe(url);
    expect(sdataAttr(p, 'url')).toBe(url);
    expect(sdataAttr(p, 'uri')).toBe(url);
    expect(sdataAttr(p, 'uuid')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(prop(p, 'name')).toBe('ACME');
    expect(res.body).toMatch(/<sdata:payload>/);
    expect(res.body).toMatch(/<http:etag>[^<]+<\/http:etag>/);
    expect(child(entry, NS.atom, 'id')?.text).toBe(url);
    expect(child(entry, NS.http, 'etag')?.text).toBe(res.headers.etag.replace(/"/g, ''));
  });

  it('accepts the payload in the contract namespace and in no namespace', async () => {
    await t.http().post(EP).set('Content-Type', CLIENT_ENTRY_TYPE).send(bareEntry(account('<name>contract ns</name>'))).expect(201);
    const res = await asText(t.http().post(EP).set('Content-Type', CLIENT_ENTRY_TYPE).send(`<entry xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}"><sdata:payload><account xmlns=""><name>no ns</name></account></sdata:payload></entry>`)).expect(201);
    expect(prop(payloadOf(xmlOf(res)), 'name')).toBe('no ns');
  });

  it('reads, updates (If-Match from http:etag) and deletes with what the client saw; PUT answers the full entry', async () => {
    const made = xmlOf(await asText(t.http().post(EP).set('Content-Type', CLIENT_ENTRY_TYPE).send(bareEntry(account('<name>to change</name>', '', NS.dynamic)))).expect(201));
    const key = sdataAttr(payloadOf(made), 'key')!;
    const etag = child(made, NS.http, 'etag')!.text;
    const single = `${EP}('${key}')`;
    const got = await asText(t.http().get(`${single}?_t=1700000000001`).set('Accept', MERGED_ACCEPT)).expect(200);
    expectClientPrefixes(got.body, 'entry');
    const put = await asText(
      t.http().put(single).set('Content-Type', CLIENT_ENTRY_TYPE).set('If-Match', etag).send(bareEntry(account(`<name>changed</name>`, `xmlns:sdata="${NS.sdata}" sdata:key="${key}"`, NS.dynamic))),
    ).expect(200);
    expectClientPrefixes(put.body, 'entry');
    expect(prop(payloadOf(xmlOf(put)), 'name')).toBe('changed');
    expect(child(xmlOf(put), NS.http, 'etag')!.text).not.toBe(etag);
    await t.http().delete(`${single}?_t=1700000000002`).expect(200);
  });

  it('serves percent-encoded keys with spaces and doubled quotes', async () => {
    for (const key of ['A B', "O'Brien", 'x/y']) {
      const posted = await asText(t.http().post(EP).send(bareEntry(account('<name>k</name>', `xmlns:sdata="${NS.sdata}" sdata:key="${key.replace(/'/g, '&apos;')}"`, NS.dynamic)))).expect(201);
      const segment = `accounts(${encodeURIComponent(`'${key.replace(/'/g, "''")}'`)})`;
      const res = await asText(t.http().get(`/sdata/crm/test/-/${segment}`)).expect(200);
      expect(sdataAttr(payloadOf(xmlOf(res)), 'key')).toBe(key);
      // The Location a client follows works as given.
      const loc = new URL(posted.headers.location);
      await t.http().get(loc.pathname).expect(200);
    }
  });

  it('answers a feed to a merged Accept list with _t and _includeContent, with opensearch and at least self and first links', async () => {
    const res = await asText(t.http().get(`${EP}?_t=1700000000000&_includeContent=false`).set('Accept', MERGED_ACCEPT)).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/atom\+xml; ?type=feed/);
    expectClientPrefixes(res.body, 'feed');
    expect(res.body).toMatch(/<opensearch:totalResults>\d+<\/opensearch:totalResults>/);
    expect(res.body).toContain(`xmlns:opensearch="${NS.opensearch}"`);
    const feed = xmlOf(res);
    expect(Object.keys(linksOf(feed))).toEqual(expect.arrayContaining(['self', 'first']));
    for (const e of entriesOf(feed)) {
      const p = payloadOf(e);
      expect(sdataAttr(p, 'key')).toBeTruthy();
      expect(sdataAttr(p, 'url')).toBe(sdataAttr(p, 'uri'));
      expect(sdataAttr(p, 'uuid')).toBeTruthy();
      expect(child(e, NS.http, 'etag')?.text).toBeTruthy();
    }
    const empty = xmlOf(await asText(t.http().get('/sdata/crm/test/-/orders').set('Accept', '*/*')).expect(200));
    expect(entriesOf(empty)).toHaveLength(0);
    expect(childrenNamed(empty, NS.atom, 'link').length).toBeGreaterThanOrEqual(2);
  });

  it('serves %24syncDigest with sdata:payload and sync: prefixes', async () => {
    const res = await asText(t.http().get(`${EP}/%24syncDigest?_t=1700000000003`).set('Accept', MERGED_ACCEPT)).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/atom\+xml; ?type=entry/);
    expectClientPrefixes(res.body, 'entry');
    expect(res.body).toContain(`xmlns:sync="${NS.sync}"`);
    expect(res.body).toMatch(/<sdata:payload><sync:digest><sync:origin>/);
    expect(res.body).toMatch(/<sync:digestEntry><sync:endpoint>http:\/\/sdata\.test\/sdata\/crm\/test\/-\/accounts<\/sync:endpoint><sync:tick>\d+<\/sync:tick>/);
    const put = await asText(
      t.http().put(`${EP}/%24syncDigest`).set('Content-Type', CLIENT_ENTRY_TYPE).send(res.body),
    ).expect(200);
    expectClientPrefixes(put.body, 'entry');
  });
});
