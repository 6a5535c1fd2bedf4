/** The URLs built on an endpoint URL (src/protocol/serviceUrl.ts): a partition's query stays on every one of them. */
import { serviceUrl, withParams } from '../../src/protocol/serviceUrl';

const FR = "http://h/sdata/a/c/d/accounts?where=country%20eq%20'FR'";
const FR_CANONICAL = 'http://h/sdata/a/c/d/accounts?where=country%20eq%20%27FR%27';

describe('serviceUrl', () => {
  it.each([
    ['http://h/sdata/a/c/d/accounts', '$syncDigest', {}, 'http://h/sdata/a/c/d/accounts/$syncDigest'],
    ['http://h/sdata/a/c/d/accounts/', '$syncDigest', {}, 'http://h/sdata/a/c/d/accounts/$syncDigest'],
    ['http://h/sdata/a/c/d', '$schema', {}, 'http://h/sdata/a/c/d/$schema'],
    ['http://h/sdata/a/c/d/accounts', '$syncSource', { trackingID: 'x', count: 10, skip: undefined }, 'http://h/sdata/a/c/d/accounts/$syncSource?trackingID=x&count=10'],
    [FR, '$syncSource', {}, "http://h/sdata/a/c/d/accounts/$syncSource?where=country%20eq%20'FR'"],
    [FR, '$syncDigest', {}, "http://h/sdata/a/c/d/accounts/$syncDigest?where=country%20eq%20'FR'"],
    [FR, '$syncNotify', {}, "http://h/sdata/a/c/d/accounts/$syncNotify?where=country%20eq%20'FR'"],
    [FR, '$syncResults', {}, "http://h/sdata/a/c/d/accounts/$syncResults?where=country%20eq%20'FR'"],
    [FR_CANONICAL, '$syncTarget', {}, 'http://h/sdata/a/c/d/accounts/$syncTarget?where=country%20eq%20%27FR%27'],
    [
      FR,
      '$syncSource',
      { trackingID: 'b1c2', count: 100, syncMode: 'immediate' },
      "http://h/sdata/a/c/d/accounts/$syncSource?where=country%20eq%20'FR'&trackingID=b1c2&count=100&syncMode=immediate",
    ],
    [FR, "$syncSource('b1c2')", { startIndex: 101, count: 100 }, "http://h/sdata/a/c/d/accounts/$syncSource('b1c2')?where=country%20eq%20'FR'&startIndex=101&count=100"],
    [FR, '$syncTarget', { phase: 'prepare', trackingID: 't', timeout: 60 }, "http://h/sdata/a/c/d/accounts/$syncTarget?where=country%20eq%20'FR'&phase=prepare&trackingID=t&timeout=60"],
    [FR, "$syncTarget('t')/$commit", {}, "http://h/sdata/a/c/d/accounts/$syncTarget('t')/$commit?where=country%20eq%20'FR'"],
    [FR, '$conflicts', { status: 'open', count: 50 }, "http://h/sdata/a/c/d/accounts/$conflicts?where=country%20eq%20'FR'&status=open&count=50"],
    [FR, "$conflicts('7')/$resolve", { action: 'keep' }, "http://h/sdata/a/c/d/accounts/$conflicts('7')/$resolve?where=country%20eq%20'FR'&action=keep"],
    [FR, "$failures('7')/$retry", {}, "http://h/sdata/a/c/d/accounts/$failures('7')/$retry?where=country%20eq%20'FR'"],
    [FR, '$linked', { format: 'json' }, "http://h/sdata/a/c/d/accounts/$linked?where=country%20eq%20'FR'&format=json"],
    [FR, '$schema', {}, "http://h/sdata/a/c/d/accounts/$schema?where=country%20eq%20'FR'"],
    [FR, '$batch', {}, "http://h/sdata/a/c/d/accounts/$batch?where=country%20eq%20'FR'"],
    ["http://h/sdata/a/c/d/accounts/?where=country%20eq%20'FR'", '$syncDigest', {}, "http://h/sdata/a/c/d/accounts/$syncDigest?where=country%20eq%20'FR'"],
    ['http://h/sdata/a/c/d/accounts?where=a%20eq%20%27x%26y%27', '$syncSource', { count: 5 }, 'http://h/sdata/a/c/d/accounts/$syncSource?where=a%20eq%20%27x%26y%27&count=5'],
    ['http://h/sdata/a/c/d/accounts?where=a+eq+1', '$syncDigest', {}, 'http://h/sdata/a/c/d/accounts/$syncDigest?where=a+eq+1'],
    ['http://h/sdata/a/c/d/accounts#top', '$syncDigest', {}, 'http://h/sdata/a/c/d/accounts/$syncDigest#top'],
    [FR, '$syncSource', { count: 10, where: "country eq 'DE'" }, "http://h/sdata/a/c/d/accounts/$syncSource?count=10&where=country%20eq%20'DE'"],
  ])('%s + %s %j -> %s', (endpoint, service, params, url) => {
    expect(serviceUrl(endpoint, service, params)).toBe(url);
  });

  it.each(['$syncSource?count=1', '$syncDigest#x'])('refuses a sub-resource path carrying a query or fragment (%s)', (service) => {
    expect(() => serviceUrl(FR, service)).toThrow(/no query or fragment/);
  });

  it('keeps the partition a server reads from the URL it builds', () => {
    const url = new URL(serviceUrl(FR, '$syncSource', { trackingID: 'x', count: 10, runName: 'hq & fr = ok?' }));
    expect(url.pathname).toBe('/sdata/a/c/d/accounts/$syncSource');
    expect(url.searchParams.get('where')).toBe("country eq 'FR'");
    expect(url.searchParams.get('count')).toBe('10');
    expect(url.searchParams.get('runName')).toBe('hq & fr = ok?');
  });
});

describe('withParams', () => {
  it.each([
    ['http://h/logs/$syncResults?a=1', { source: 'http://s/x y' }, 'replace', 'http://h/logs/$syncResults?a=1&source=http%3A%2F%2Fs%2Fx%20y'],
    ['http://h/logs/$syncResults', { a: 1, b: undefined }, 'replace', 'http://h/logs/$syncResults?a=1'],
    ['http://h/x', {}, 'replace', 'http://h/x'],
    [`${FR}&count=10`, { count: 20 }, 'replace', "http://h/sdata/a/c/d/accounts?where=country%20eq%20'FR'&count=20"],
    [`${FR}&runName=mine`, { runName: 'engine', runStamp: 's' }, 'keep', "http://h/sdata/a/c/d/accounts?where=country%20eq%20'FR'&runName=mine&runStamp=s"],
    ['http://h/x?run%4Eame=mine', { runName: 'engine' }, 'keep', 'http://h/x?run%4Eame=mine'],
    ['http://h/x?run%4Eame=mine', { runName: 'engine' }, 'replace', 'http://h/x?runName=engine'],
    ['http://h/x?a=1#f', { b: 2 }, 'replace', 'http://h/x?a=1&b=2#f'],
    ['http://h/x?%zz=1', { b: 2 }, 'replace', 'http://h/x?%zz=1&b=2'],
  ] as const)('%s with %j (%s) -> %s', (url, params, existing, expected) => {
    expect(withParams(url, params, existing)).toBe(expected);
  });
});
