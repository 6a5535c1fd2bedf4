import { parseSDataUrl, serviceUrl, withParams } from '../../src/engine/urls';

describe('SData URLs', () => {
  it.each([
    ['http://127.0.0.1:3000/sdata/crm/test/-', { level: 'application', applicationUrl: 'http://localhost:3000/sdata/crm/test/-' }],
    ['http://127.0.0.1:3000/sdata/crm/test/-/', { level: 'application', applicationUrl: 'http://localhost:3000/sdata/crm/test/-' }],
    [
      'http://127.0.0.1:3000/base/sdata/erp/test/-/accounts',
      { level: 'endpoint', applicationUrl: 'http://localhost:3000/base/sdata/erp/test/-', endpointUrl: 'http://localhost:3000/base/sdata/erp/test/-/accounts', kind: 'accounts' },
    ],
    // A partition endpoint (PROTOCOL.md 2.9): its where stays, in its one spelling.
    [
      "http://127.0.0.1:3000/sdata/hq/test/-/accounts?where=country+eq++%27FR%27",
      { level: 'endpoint', applicationUrl: 'http://localhost:3000/sdata/hq/test/-', endpointUrl: "http://localhost:3000/sdata/hq/test/-/accounts?where=country%20eq%20'FR'", kind: 'accounts' },
    ],
  ])('classifies %s', (url, expected) => {
    expect(parseSDataUrl(url)).toEqual(expected);
  });

  it.each(['not a url', 'ftp://127.0.0.1/sdata/a/b/c', 'http://127.0.0.1/sdata/crm', 'http://127.0.0.1/sdata/crm/test/-/accounts/extra', 'http://127.0.0.1/other/crm/test/-'])(
    'refuses %s',
    (url) => {
      expect(() => parseSDataUrl(url)).toThrow();
    },
  );

  it('builds service URLs with query parameters', () => {
    expect(serviceUrl('http://h/sdata/a/c/-/k/', '$syncDigest')).toBe('http://h/sdata/a/c/-/k/$syncDigest');
    expect(serviceUrl('http://h/sdata/a/c/-/k', '$syncSource', { trackingID: 'x', count: 10, skip: undefined })).toBe('http://h/sdata/a/c/-/k/$syncSource?trackingID=x&count=10');
    // A partition's services: the path before its where, which stays.
    expect(serviceUrl("http://h/sdata/a/c/-/k?where=country%20eq%20'FR'", '$syncSource', { trackingID: 'x' })).toBe('http://h/sdata/a/c/-/k/$syncSource?where=country+eq+%27FR%27&trackingID=x');
    expect(serviceUrl("http://h/sdata/a/c/-/k?where=country%20eq%20'FR'", '$syncDigest')).toBe('http://h/sdata/a/c/-/k/$syncDigest?where=country%20eq%20%27FR%27');
    expect(withParams('http://h/logs/$syncResults?a=1', { source: 'http://s/x y' })).toBe('http://h/logs/$syncResults?a=1&source=http%3A%2F%2Fs%2Fx+y');
  });
});
