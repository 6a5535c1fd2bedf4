import { NS } from '../../src/atom/namespaces';
import { keyOfUrl, keyUrl, parseResourceEntry, resourceEntryDocument, resourceFeedDocument, type EntryResource } from '../../src/atom/resourceXml';
import { linkHref, readOpensearch } from '../../src/atom/feed';
import { attr, child, childText, childrenNamed, parseXml } from '../../src/atom/xml';
import { parseSDataPath } from '../../src/endpoint/path';
import { SDataError } from '../../src/protocol/diagnosis';
import { accounts, crm, EP, UUID_A } from './fixtures';

const ep = `${EP}/accounts`;
const ctx = { url: ep, kind: accounts, app: crm };
const acme: EntryResource = {
  key: "O'Brien & Co",
  uuid: UUID_A,
  values: { name: 'ACME', balance: '12.50', active: true },
  etag: 'abc123',
  state: { stamp: '2026-11-22T12:00:00.000Z' },
};

describe('keyUrl and keyOfUrl', () => {
  it.each([['A0027'], ['12'], ["O'Brien"], ['A B/C?#%'], ['(x)'], ['café']])('writes and reads back %p', (key) => {
    const url = keyUrl(ep, key);
    expect(keyOfUrl(url)).toEqual({ collection: ep, kind: 'accounts', key });
    expect(parseSDataPath(new URL(url).pathname)).toMatchObject({ kind: 'accounts', key });
  });

  it('doubles quotes and percent-encodes what a path segment cannot hold', () => {
    expect(keyUrl(ep, 'A0027')).toBe(`${ep}('A0027')`);
    expect(keyUrl(ep, "O'B")).toBe(`${ep}('O''B')`);
    expect(keyUrl(ep, 'A B')).toBe(`${ep}('A%20B')`);
  });

  it('reads bare keys, ignores the query and refuses other URLs', () => {
    expect(keyOfUrl(`${ep}(12)?x=1`)).toEqual({ collection: ep, kind: 'accounts', key: '12' });
    expect(keyOfUrl(ep)).toBeUndefined();
    expect(keyOfUrl(`${ep}('a'b')`)).toBeUndefined();
    expect(keyOfUrl(`${ep}(a b)`)).toBeUndefined();
  });
});

describe('resource entries', () => {
  const root = parseXml(resourceEntryDocument(acme, ctx));
  const url = keyUrl(ep, acme.key);

  it('writes id, title, updated, self and edit links, http:etag and the payload', () => {
    expect([root.ns, root.name, root.prefix]).toEqual([NS.atom, 'entry', '']);
    expect(childText(root, NS.atom, 'id')).toBe(url);
    expect(childText(root, NS.atom, 'updated')).toBe('2026-11-22T12:00:00.000Z');
    expect(childText(root, NS.atom, 'title')).toBe(`account ${acme.key}`);
    expect(linkHref(root, 'self')).toBe(url);
    expect(linkHref(root, 'edit')).toBe(url);
    const etag = child(root, NS.http, 'etag')!;
    expect([etag.prefix, etag.text]).toEqual(['http', 'abc123']);
    const payload = child(root, NS.sdata, 'payload')!;
    expect(payload.prefix).toBe('sdata');
    const account = payload.children[0];
    expect([account.ns, account.name]).toEqual([crm.namespace, 'account']);
    expect(['key', 'uuid', 'url', 'uri'].map((a) => attr(account, NS.sdata, a))).toEqual([acme.key, UUID_A, url, url]);
  });

  it('parses back into the same resource', () => {
    expect(parseResourceEntry(root, accounts, crm)).toEqual({ key: acme.key, uuid: UUID_A, deleted: false, values: acme.values });
  });

  it('leaves sdata:uuid out when asked to or when the resource has none', () => {
    for (const xml of [resourceEntryDocument(acme, { ...ctx, includeUuid: false }), resourceEntryDocument({ ...acme, uuid: undefined }, ctx)]) {
      expect(attr(child(parseXml(xml), NS.sdata, 'payload')!.children[0], NS.sdata, 'uuid')).toBeUndefined();
    }
  });
});

describe('resource feeds', () => {
  const resources = Array.from({ length: 3 }, (_, i) => ({ ...acme, key: `A${i}` }));
  const xml = resourceFeedDocument({ resources, startIndex: 4, count: 3, total: 10, query: { includeUuid: 'false' } }, { ...ctx, includeUuid: false });
  const feed = parseXml(xml);

  it('writes a paged feed of entries with opensearch counts and links that keep the query', () => {
    expect(childText(feed, NS.atom, 'id')).toBe(ep);
    expect(readOpensearch(feed)).toEqual({ totalResults: 10, startIndex: 4, itemsPerPage: 3 });
    expect(linkHref(feed, 'next')).toBe(`${ep}?includeUuid=false&startIndex=7&count=3`);
    expect(linkHref(feed, 'last')).toBe(`${ep}?includeUuid=false&startIndex=10&count=3`);
    const entries = childrenNamed(feed, NS.atom, 'entry');
    expect(entries.map((e) => childText(e, NS.atom, 'id'))).toEqual(resources.map((r) => keyUrl(ep, r.key)));
    expect(xml).not.toContain('sdata:uuid');
  });

  it('uses the prefixes SData clients read', () => {
    expect(xml).toMatch(/<feed xmlns="http:\/\/www.w3.org\/2005\/Atom"/);
    expect(xml).toContain('<opensearch:totalResults>10</opensearch:totalResults>');
    expect(xml).toContain('<http:etag>abc123</http:etag><content type="text">account A0: name ACME, balance 12.50, active true</content><sdata:payload><account sdata:key="A0"');
  });
});

describe('parseResourceEntry', () => {
  const refusal = (xml: string) => {
    try {
      parseResourceEntry(parseXml(xml), accounts, crm);
    } catch (err) {
      return (err as SDataError).diagnoses.map((d) => d.applicationCode);
    }
    return [];
  };

  it('accepts a bare entry as Sage clients post it: no id, title or updated, payload in the dynamic namespace', () => {
    const xml = `<entry xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}"><sdata:payload><account xmlns="${NS.dynamic}" sdata:key="K9"><name>New</name></account></sdata:payload></entry>`;
    expect(parseResourceEntry(parseXml(xml), accounts, crm)).toEqual({ key: 'K9', deleted: false, values: { name: 'New' } });
  });

  it('finds sdata:payload by namespace whatever its prefix, also in an entry without a namespace', () => {
    const xml = `<entry><s:payload xmlns:s="${NS.sdata}"><account><name>N</name></account></s:payload></entry>`;
    expect(parseResourceEntry(parseXml(xml), accounts, crm).values).toEqual({ name: 'N' });
  });

  it('reads an unqualified payload inside an Atom default namespace as having no namespace', () => {
    const xml = `<entry xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}"><sdata:payload><account><name>N</name></account></sdata:payload></entry>`;
    expect(parseResourceEntry(parseXml(xml), accounts, crm).values).toEqual({ name: 'N' });
  });

  it('refuses other roots, entries without a payload and payload errors', () => {
    expect(refusal(`<feed xmlns="${NS.atom}"/>`)).toEqual(['NotAnEntry']);
    expect(refusal(`<entry xmlns="${NS.atom}"><payload/></entry>`)).toEqual(['MissingPayload']);
    expect(refusal(`<entry xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}"><sdata:payload/></entry>`)).toEqual(['MissingPayload']);
    expect(refusal(`<entry xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}"><sdata:payload><account><balance>x</balance></account></sdata:payload></entry>`)).toEqual(['InvalidValue', 'RequiredMissing']);
  });
});
