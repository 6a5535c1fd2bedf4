/** The one spelling of an endpoint URL (src/protocol/endpointUrl.ts): a table of spellings and their canonical form. */
import { canonicalUrl } from '../../src/protocol/endpointUrl';
import { digestEntryDocument, parseDigestDocument } from '../../src/atom/digestXml';
import { parseXml } from '../../src/atom/xml';

describe('canonicalUrl', () => {
  it.each([
    ['http://localhost:3000/sdata/crm/test/-/accounts', 'http://localhost:3000/sdata/crm/test/-/accounts'],
    ['http://127.0.0.1:3000/sdata/crm/test/-/accounts', 'http://localhost:3000/sdata/crm/test/-/accounts'],
    ['http://127.1.2.3:3000/sdata/crm/test/-/accounts', 'http://localhost:3000/sdata/crm/test/-/accounts'],
    ['http://[::1]:3000/sdata/crm/test/-/accounts', 'http://localhost:3000/sdata/crm/test/-/accounts'],
    ['http://LOCALHOST:3000/sdata/crm/test/-/accounts', 'http://localhost:3000/sdata/crm/test/-/accounts'],
    ['HTTP://CRM.Example:3000/sdata/crm/test/-/accounts', 'http://crm.example:3000/sdata/crm/test/-/accounts'],
    ['http://crm.example:80/sdata/crm/test/-/accounts', 'http://crm.example/sdata/crm/test/-/accounts'],
    ['https://crm.example:443/sdata/crm/test/-/accounts', 'https://crm.example/sdata/crm/test/-/accounts'],
    ['https://crm.example:80/sdata/crm/test/-/accounts', 'https://crm.example:80/sdata/crm/test/-/accounts'],
    ['http://localhost:80/sdata/crm/test/-/accounts', 'http://localhost/sdata/crm/test/-/accounts'],
    ['http://crm.example/sdata/crm/test/-/accounts/', 'http://crm.example/sdata/crm/test/-/accounts'],
    ['http://crm.example/sdata/crm/test/-/accounts//', 'http://crm.example/sdata/crm/test/-/accounts'],
    ['http://crm.example/', 'http://crm.example'],
    ['http://crm.example/sdata/%63rm/test/%2D/acc%6Funts', 'http://crm.example/sdata/crm/test/-/accounts'],
    ['http://crm.example/sdata/crm/test/-/my%7eaccounts', 'http://crm.example/sdata/crm/test/-/my~accounts'],
    ['http://crm.example/sdata/crm/test/-/a%2fb', 'http://crm.example/sdata/crm/test/-/a%2Fb'],
    ['http://crm.example/sdata/crm/test/-/a%c3%a9', 'http://crm.example/sdata/crm/test/-/a%C3%A9'],
    ['http://crm.example/sdata/crm/test/-/accounts?where=name%20eq%20%27a%27', "http://crm.example/sdata/crm/test/-/accounts?where=name%20eq%20'a'"],
    ["http://crm.example/sdata/crm/test/-/accounts?where=name+eq+'a'", "http://crm.example/sdata/crm/test/-/accounts?where=name%20eq%20'a'"],
    ["http://crm.example/sdata/crm/test/-/accounts?where=%20name%20%20eq%0A'a%20%20b'%20", "http://crm.example/sdata/crm/test/-/accounts?where=name%20eq%20'a%20%20b'"],
    ['http://crm.example/sdata/crm/test/-/accounts?where=name%20eq%20%27a%2bb%27', "http://crm.example/sdata/crm/test/-/accounts?where=name%20eq%20'a%2Bb'"],
    ['http://crm.example/sdata/crm/test/-/accounts?format=json&where=x%20eq%201', 'http://crm.example/sdata/crm/test/-/accounts?format=json&where=x%20eq%201'],
    ['http://crm.example/sdata/crm/test/-/accounts?where=x%3d%61', 'http://crm.example/sdata/crm/test/-/accounts?where=x%3Da'],
    ['  http://crm.example/sdata/crm/test/-/accounts  ', 'http://crm.example/sdata/crm/test/-/accounts'],
  ])('%s -> %s', (given, canonical) => {
    expect(canonicalUrl(given)).toBe(canonical);
    expect(canonicalUrl(canonical)).toBe(canonical); // idempotent
  });

  it.each(['N1', 'urn:sdata:endpoint:1', 'not a url', 'ftp://crm.example/x'])('leaves %s as it is (not an http(s) URL)', (given) => {
    expect(canonicalUrl(given)).toBe(given);
  });
});

describe('endpoint names read from digests and sync states', () => {
  it('names an endpoint in its one spelling, whichever alias the digest used', () => {
    const stamp = '2026-12-01T10:00:00.000Z';
    const xml = digestEntryDocument(
      {
        origin: 'http://127.0.0.1:3000/sdata/erp/test/-/accounts/',
        entries: [
          { endpoint: 'http://[::1]:3000/sdata/crm/test/-/accounts', tick: 4, stamp, conflictPriority: 1 },
          { endpoint: 'HTTP://ERP.example:80/sdata/erp/test/-/%61ccounts', tick: 2, stamp, conflictPriority: 2 },
        ],
      },
      'http://127.0.0.1:3000/sdata/erp/test/-/accounts',
      stamp,
    );
    const d = parseDigestDocument(parseXml(xml));
    expect(d.origin).toBe('http://localhost:3000/sdata/erp/test/-/accounts');
    expect(d.entries.map((e) => e.endpoint)).toEqual(['http://localhost:3000/sdata/crm/test/-/accounts', 'http://erp.example/sdata/erp/test/-/accounts']);
  });

  it('refuses a digest naming one endpoint twice under two aliases', () => {
    const stamp = '2026-12-01T10:00:00.000Z';
    const xml = digestEntryDocument(
      { entries: ['http://localhost:3000/sdata/crm/test/-/accounts', 'http://127.0.0.1:3000/sdata/crm/test/-/accounts'].map((endpoint) => ({ endpoint, tick: 1, stamp, conflictPriority: 1 })) },
      'http://localhost:3000/sdata/erp/test/-/accounts',
      stamp,
    );
    expect(() => parseDigestDocument(parseXml(xml))).toThrow(/appears twice/);
  });
});
