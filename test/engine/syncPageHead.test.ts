import { readFeedHead } from '../../src/engine/syncPageHead';
import { parseFeedHead } from '../../src/atom/feedHeadXml';
import { NS } from '../../src/atom/namespaces';
import { childrenNamed } from '../../src/atom/xml';

const entry = (i: number, prefix = '') =>
  `<${prefix}entry><${prefix}id>http://h/e(${i})</${prefix}id><sdata:payload><item xmlns="urn:x"><entry>not atom</entry></item></sdata:payload></${prefix}entry>`;

describe('reading a sync-feed page head', () => {
  it('finds the next link and totalResults without reading the entries', () => {
    const xml = `<?xml version="1.0"?><feed xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}" xmlns:opensearch="${NS.opensearch}"><id>f</id><link rel="self" href="http://h/s?startIndex=1"/><link rel="next" href="http://h/s?startIndex=3&amp;count=2"/><opensearch:totalResults>5</opensearch:totalResults>${entry(1)}${entry(2)}</feed>`;
    expect(readFeedHead(xml)).toEqual({ next: 'http://h/s?startIndex=3&count=2', totalResults: 5, mode: 'catchUp', hasEntries: true });
    expect(childrenNamed(parseFeedHead(xml), NS.atom, 'entry')).toHaveLength(0);
  });

  it('works with a prefixed Atom namespace and answers no next link on the last page', () => {
    const xml = `<a:feed xmlns:a="${NS.atom}" xmlns:sdata="${NS.sdata}" xmlns:os="${NS.opensearch}"><a:link rel="self" href="s"/><os:totalResults>2</os:totalResults>${entry(1, 'a:')}</a:feed>`;
    expect(readFeedHead(xml)).toEqual({ next: undefined, totalResults: 2, mode: 'catchUp', hasEntries: true });
  });

  it('finds a next link written after the entries', () => {
    const xml = `<feed xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}">${entry(1)}<link rel="next" href="http://h/n"/></feed>`;
    expect(readFeedHead(xml).next).toBe('http://h/n');
  });

  it('reads the ceiling (sync:digest), the floor (x:floorDigest) and the mode from the head', () => {
    const digestXml = (tag: string, tick: number) =>
      `<${tag}><sync:origin>http://h/a</sync:origin><sync:digestEntry><sync:endpoint>http://h/a</sync:endpoint><sync:tick>${tick}</sync:tick><sync:stamp>2026-01-01T00:00:00Z</sync:stamp><sync:conflictPriority>1</sync:conflictPriority></sync:digestEntry></${tag}>`;
    const xml = `<feed xmlns="${NS.atom}" xmlns:sync="${NS.sync}" xmlns:x="${NS.x}"><sync:syncMode>immediate</sync:syncMode>${digestXml('sync:digest', 7)}${digestXml('x:floorDigest', 6)}</feed>`;
    const head = readFeedHead(xml);
    expect(head.ceiling?.entries.map((e) => [e.endpoint, e.tick])).toEqual([['http://h/a', 7]]);
    expect(head.floor?.entries.map((e) => [e.endpoint, e.tick])).toEqual([['http://h/a', 6]]);
    expect(head.mode).toBe('immediate');
  });

  it('reads a feed without entries', () => {
    const xml = `<feed xmlns="${NS.atom}" xmlns:opensearch="${NS.opensearch}"><opensearch:totalResults>0</opensearch:totalResults></feed>`;
    expect(readFeedHead(xml)).toEqual({ next: undefined, totalResults: 0, mode: 'catchUp', hasEntries: false });
  });
});
