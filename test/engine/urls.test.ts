import { parseSDataUrl } from '../../src/engine/urls';

describe('SData URLs', () => {
  it.each([
    ['http://127.0.0.1:3000/sdata/crm/test/-', { level: 'application', applicationUrl: 'http://localhost:3000/sdata/crm/test/-' }],
    ['http://127.0.0.1:3000/sdata/crm/test/-/', { level: 'application', applicationUrl: 'http://localhost:3000/sdata/crm/test/-' }],
    [
      'http://127.0.0.1:3000/base/sdata/erp/test/-/accounts',
      { level: 'endpoint', applicationUrl: 'http://localhost:3000/base/sdata/erp/test/-', endpointUrl: 'http://localhost:3000/base/sdata/erp/test/-/accounts', kind: 'accounts' },
    ],
    [
      "http://127.0.0.1:3000/sdata/hq/test/-/accounts?where=country%20eq%20'FR'",
      {
        level: 'endpoint',
        applicationUrl: 'http://localhost:3000/sdata/hq/test/-',
        endpointUrl: "http://localhost:3000/sdata/hq/test/-/accounts?where=country%20eq%20'FR'",
        kind: 'accounts',
      },
    ],
    [
      'http://localhost:3000/sdata/hq/test/-/accounts/?where=country+eq+%27DE%27',
      {
        level: 'endpoint',
        applicationUrl: 'http://localhost:3000/sdata/hq/test/-',
        endpointUrl: "http://localhost:3000/sdata/hq/test/-/accounts?where=country%20eq%20'DE'",
        kind: 'accounts',
      },
    ],
  ])('classifies %s', (url, expected) => {
    expect(parseSDataUrl(url)).toEqual(expected);
  });

  it.each(['not a url', 'ftp://127.0.0.1/sdata/a/b/c', 'http://127.0.0.1/sdata/crm', 'http://127.0.0.1/sdata/crm/test/-/accounts/extra', 'http://127.0.0.1/other/crm/test/-', "http://127.0.0.1/sdata/crm/test/-?where=country%20eq%20'FR'"])(
    'refuses %s',
    (url) => {
      expect(() => parseSDataUrl(url)).toThrow();
    },
  );
});
