import { feedNode, linkHref, pagingLinks, readOpensearch } from '../../src/atom/feed';
import { NS } from '../../src/atom/namespaces';
import { el, renderXml } from '../../src/atom/write';
import { parseXml } from '../../src/atom/xml';

const base = 'http://h/sdata/crm/test/-/accounts';
const relsOf = (links: { rel: string; href: string }[]) => Object.fromEntries(links.map((l) => [l.rel, new URL(l.href).searchParams.get('startIndex')]));

describe('pagingLinks', () => {
  it.each([
    ['first page', 1, { self: '1', first: '1', next: '101', last: '201' }],
    ['middle page', 101, { self: '101', first: '1', previous: '1', next: '201', last: '201' }],
    ['last page', 201, { self: '201', first: '1', previous: '101', last: '201' }],
  ])('250 resources by 100, %s', (_label, startIndex, rels) => {
    expect(relsOf(pagingLinks(base, {}, startIndex, 100, 250))).toEqual(rels);
  });

  it('always has self and first, also for an empty set and a single page', () => {
    expect(relsOf(pagingLinks(base, {}, 1, 100, 0))).toEqual({ self: '1', first: '1', last: '1' });
    expect(relsOf(pagingLinks(base, {}, 1, 100, 100))).toEqual({ self: '1', first: '1', last: '1' });
  });

  it('links a count=0 page (the totals only) to itself and the first page, both with count=0', () => {
    const links = pagingLinks(base, {}, 3, 0, 250);
    expect(links.map((l) => [l.rel, new URL(l.href).searchParams.get('startIndex'), new URL(l.href).searchParams.get('count')])).toEqual([['self', '3', '0'], ['first', '1', '0']]);
  });

  it('steps from an unaligned start, and points back into range from past the end', () => {
    expect(relsOf(pagingLinks(base, {}, 51, 100, 250))).toEqual({ self: '51', first: '1', previous: '1', next: '151', last: '151' });
    expect(relsOf(pagingLinks(base, {}, 501, 100, 250))).toEqual({ self: '501', first: '1', previous: '201', last: '201' });
  });

  it('keeps the query parameters, encoded, and the page size, with the feed type', () => {
    const [self] = pagingLinks(`${base}/$conflicts`, { status: 'open & new' }, 1, 10, 30);
    expect(self).toEqual({ rel: 'self', type: 'application/atom+xml; type=feed', href: `${base}/$conflicts?status=open+%26+new&startIndex=1&count=10` });
    expect(pagingLinks('http://h/x?a=1', {}, 1, 10, 5)[0].href).toBe('http://h/x?a=1&startIndex=1&count=10');
  });
});

describe('feedNode', () => {
  const xml = renderXml(
    feedNode({
      id: base,
      title: 'accounts & more',
      updated: '2026-11-22T12:00:00.000Z',
      links: pagingLinks(base, {}, 101, 100, 250),
      totalResults: 250,
      startIndex: 101,
      itemsPerPage: 100,
      extra: [el('sync:syncMode', {}, 'catchUp')],
      entries: [el('entry', {}, el('id', {}, 'e1')), el('entry', {}, el('id', {}, 'e2'))],
    }),
  );

  it('writes Atom unprefixed with the sdata, sync, http, opensearch, sme, xsi and x prefixes declared', () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" xmlns:sdata=')).toBe(true);
    for (const p of ['sdata', 'sync', 'http', 'opensearch', 'sme', 'xsi', 'x']) expect(xml).toContain(`xmlns:${p}="`);
    expect(xml).toContain('<opensearch:totalResults>250</opensearch:totalResults><opensearch:startIndex>101</opensearch:startIndex><opensearch:itemsPerPage>100</opensearch:itemsPerPage><sync:syncMode>catchUp</sync:syncMode><entry>');
    expect(xml).toContain('<title>accounts &amp; more</title>');
  });

  it('is read back by linkHref and readOpensearch', () => {
    const root = parseXml(xml);
    expect([root.ns, root.name]).toEqual([NS.atom, 'feed']);
    expect(linkHref(root, 'next')).toBe(`${base}?startIndex=201&count=100`);
    expect(linkHref(root, 'previous')).toBe(`${base}?startIndex=1&count=100`);
    expect(readOpensearch(root)).toEqual({ totalResults: 250, startIndex: 101, itemsPerPage: 100 });
    expect(root.children.filter((c) => c.name === 'entry')).toHaveLength(2);
  });
});

describe('reading links and counts', () => {
  it('matches links by namespace and rel, also IANA relation URIs, and only direct children', () => {
    const root = parseXml(
      `<a:feed xmlns:a="${NS.atom}"><a:link rel="http://www.iana.org/assignments/relation/next" href="n"/><a:entry><a:link rel="self" href="inner"/></a:entry><link rel="self" href="nons"/></a:feed>`,
    );
    expect(linkHref(root, 'next')).toBe('n');
    expect(linkHref(root, 'self')).toBeUndefined();
  });

  it('leaves absent or malformed counts undefined', () => {
    const root = parseXml(`<feed xmlns="${NS.atom}" xmlns:os="${NS.opensearch}"><os:totalResults> 7 </os:totalResults><os:startIndex>x</os:startIndex></feed>`);
    expect(readOpensearch(root)).toEqual({ totalResults: 7, startIndex: undefined, itemsPerPage: undefined });
  });
});
