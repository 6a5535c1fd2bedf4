/**
 * Intermediate URLs (SData core 2.9, categories 3.12) on the demo configuration: starting at `GET /sdata`
 * and following links alone, a client reaches every kind's feed, `$schema`, `$template` and `$syncDigest`;
 * each level's feed and entries carry the SData category of what they describe; a kind's entry says
 * whether it is a sync source and target. `GET /` points a person at `/sdata`.
 */
import { describeEachDatabase } from '../support/databases';
import { asText, openTestApp, type TestApp } from './support/app';
import { pathOf } from '../support/syncByHand';
import { parseConfig } from '../../src/config/load';
import { demoConfig } from '../../src/config/demo';
import { endpointDefs } from '../../src/config/catalog';
import { NS } from '../../src/atom/namespaces';
import { attr, child, childrenNamed, childText, parseXml, type XmlElement } from '../../src/atom/xml';
import { SDATA_CATEGORY_SCHEME } from '../../src/atom/feed';

const BASE = 'http://demo.test';
const cfg = parseConfig({ ...structuredClone(demoConfig), server: { port: 0, publicBaseUrl: BASE }, log: { level: 'silent' } }, {});

const sdataTerm = (e: XmlElement): string | undefined => {
  const c = childrenNamed(e, NS.atom, 'category').filter((x) => attr(x, '', 'scheme') === SDATA_CATEGORY_SCHEME);
  return c.length === 1 ? attr(c[0], '', 'term') : undefined;
};
const hrefs = (e: XmlElement): string[] => childrenNamed(e, NS.atom, 'link').map((l) => attr(l, '', 'href')!);

describeEachDatabase('intermediate URLs', (tdb) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(tdb, cfg);
  });

  const get = async (url: string) => asText(t.http().get(pathOf(url)));

  it('walking from GET /sdata by links alone reaches every kind feed, $schema, $template and $syncDigest of the demo', async () => {
    const intermediate = new Set(['provider', 'application', 'contract', 'dataset']);
    const answered = new Map<string, number>();
    const queue = [`${BASE}/sdata`];
    const terms: Record<string, string[]> = {};
    while (queue.length > 0) {
      const url = queue.shift()!;
      if (answered.has(url)) continue;
      const res = await get(url);
      answered.set(url, res.status);
      if (!/atom\+xml; type=feed/.test(res.headers['content-type'] ?? '')) continue;
      const feed = parseXml(res.body as string);
      const term = sdataTerm(feed);
      if (!term || !intermediate.has(term)) continue;
      const entryTerms = childrenNamed(feed, NS.atom, 'entry').map((e) => sdataTerm(e) ?? 'none');
      (terms[term] ??= []).push(...entryTerms);
      for (const href of [...hrefs(feed), ...childrenNamed(feed, NS.atom, 'entry').flatMap(hrefs)]) if (href.startsWith(BASE)) queue.push(href);
    }
    const wanted = endpointDefs(cfg).flatMap((d) => [d.url, `${d.url}/$schema`, `${d.url}/$template`, `${d.url}/$syncDigest`]);
    expect(wanted).toHaveLength(2 * 2 * 4);
    for (const url of wanted) expect({ url, status: answered.get(url) }).toEqual({ url, status: 200 });
    // Each level lists the next: provider -> applications -> contracts -> datasets -> collections.
    expect(terms).toEqual({
      provider: ['application', 'application'],
      application: ['contract', 'contract'],
      contract: ['dataset', 'dataset'],
      dataset: ['collection', 'collection', 'collection', 'collection'],
    });
  });

  it("a kind's entry says whether it is a sync source and target, and its sync order", async () => {
    const custom = parseConfig(
      {
        server: { port: 0, publicBaseUrl: BASE },
        log: { level: 'silent' },
        applications: [
          {
            name: 'hr',
            contract: 'staff',
            namespace: 'urn:hr',
            dataset: 'prod',
            kinds: [
              { name: 'people', element: 'person', syncOrder: 2, isSyncSource: true, isSyncTarget: false, properties: { name: { type: 'string' } } },
              { name: 'teams', element: 'team', syncOrder: 1, isSyncSource: false, isSyncTarget: true, properties: { name: { type: 'string' } } },
            ],
          },
        ],
      },
      {},
    );
    const hr = await openTestApp(tdb, custom);
    const res = await asText(hr.http().get('/sdata/hr/staff/prod'));
    expect(res.status).toBe(200);
    const entries = childrenNamed(parseXml(res.body as string), NS.atom, 'entry').map((e) => ({
      title: childText(e, NS.atom, 'title'),
      source: childText(e, NS.x, 'isSyncSource'),
      target: childText(e, NS.x, 'isSyncTarget'),
      order: childText(e, NS.x, 'syncOrder'),
      content: childText(e, NS.atom, 'content'),
    }));
    expect(entries).toEqual([
      { title: 'teams', source: 'false', target: 'true', order: '1', content: 'teams: sync target, sync order 1' },
      { title: 'people', source: 'true', target: 'false', order: '2', content: 'people: sync source, sync order 2' },
    ]);
  });

  it('answers SData JSON when asked, with the same levels', async () => {
    const res = await t.http().get('/sdata/crm/test/-').set('Accept', 'application/json,*/*');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({ $url: `${BASE}/sdata/crm/test/-`, $category: 'dataset', $totalResults: 2 });
    expect(res.body.$resources[0]).toEqual({
      $url: `${BASE}/sdata/crm/test/-/accounts`,
      $descriptor: 'accounts',
      $category: 'collection',
      $isSyncSource: true,
      $isSyncTarget: true,
      $syncOrder: 1,
      $schema: `${BASE}/sdata/crm/test/-/accounts/$schema`,
      $template: `${BASE}/sdata/crm/test/-/accounts/$template`,
      $syncDigest: `${BASE}/sdata/crm/test/-/accounts/$syncDigest`,
    });
    const root = await t.http().get('/sdata?format=json');
    expect(root.body.$resources.map((r: { $url: string }) => r.$url)).toEqual([`${BASE}/sdata/crm`, `${BASE}/sdata/erp`]);
  });

  it('names the first missing part with 404, refuses other methods with 405 and unknown parameters with 400', async () => {
    const code = async (path: string) => {
      const res = await asText(t.http().get(path));
      return [res.status, childText(child(parseXml(res.body as string), NS.sdata, 'diagnosis'), NS.sdata, 'sdataCode')];
    };
    expect(await code('/sdata/nope')).toEqual([404, 'ApplicationNotFound']);
    expect(await code('/sdata/crm/nope')).toEqual([404, 'ContractNotFound']);
    expect(await code('/sdata/crm/test/nope')).toEqual([404, 'DatasetNotFound']);
    expect(await code('/sdata?where=x')).toEqual([400, 'BadQueryParameter']);
    const post = await asText(t.http().post('/sdata/crm').send(''));
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET');
  });

  it('GET / is a short HTML page pointing at /sdata', async () => {
    const res = await asText(t.http().get('/'));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain(`<a href="${BASE}/sdata">`);
    expect(res.body).toContain('openapi/openapi.yaml');
  });
});
