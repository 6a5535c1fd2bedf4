/** `POST {ep}/$batch`: mixed operations, per-entry statuses, one tick range for creates, refusals alone. */
import { describeEachDatabase } from '../support/databases';
import { NS } from '../../src/atom/namespaces';
import { child, childText } from '../../src/atom/xml';
import { asText, openTestApp, snapshot, xmlOf, type TestApp } from './support/app';
import { ERP } from './support/testConfig';
import { entriesOf, payloadOf, prop, sdataAttr } from './support/xmlBodies';

const EP = '/sdata/erp/test/-/accounts';
const URL_EP = `${ERP}/accounts`;

function batchEntry(method: string, opts: { id?: string; ifMatch?: string; payload?: string } = {}): string {
  return [
    '<entry>',
    opts.id ? `<id>${opts.id}</id>` : '',
    `<http:httpMethod>${method}</http:httpMethod>`,
    opts.ifMatch ? `<http:ifMatch>${opts.ifMatch}</http:ifMatch>` : '',
    opts.payload ? `<sdata:payload>${opts.payload}</sdata:payload>` : '',
    '</entry>',
  ].join('');
}

const batchFeed = (entries: string[]) => `<feed xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}" xmlns:http="${NS.http}">${entries.join('')}</feed>`;
const acc = (name: string, attrs = '') => `<account xmlns="${NS.dynamic}"${attrs}><name>${name}</name></account>`;

describeEachDatabase('$batch', (tdb) => {
  let t: TestApp;
  const clock = async () => Number((await t.db('endpoints').where('url', URL_EP).first()).clock);

  beforeAll(async () => {
    t = await openTestApp(tdb);
  });

  it('runs POST, PUT, DELETE and GET entries in order with their own statuses', async () => {
    const before = await clock();
    const first = await asText(t.http().post(`${EP}/$batch`).send(batchFeed([batchEntry('POST', { payload: acc('one') }), batchEntry('POST', { payload: acc('two') })]))).expect(200);
    const created = entriesOf(xmlOf(first));
    expect(created.map((e) => childText(e, NS.http, 'httpStatus'))).toEqual(['201', '201']);
    const [k1, k2] = created.map((e) => sdataAttr(payloadOf(e), 'key')!);
    expect([k1, k2]).toEqual(['A00001', 'A00002']);
    expect(await clock()).toBe(before + 2);
    const etag1 = childText(created[0], NS.http, 'etag')!;
    expect(childText(created[0], NS.http, 'location')).toBe(`${URL_EP}('${k1}')`);

    const res = await asText(
      t.http()
        .post(`${EP}/%24batch?_t=1`)
        .set('Content-Type', 'application/atom+xml;type=feed')
        .send(
          batchFeed([
            batchEntry('PUT', { id: `${URL_EP}('${k1}')`, ifMatch: etag1, payload: acc('one b') }),
            batchEntry('PUT', { id: `${URL_EP}('${k2}')`, ifMatch: 'stale', payload: acc('two b') }),
            batchEntry('POST', { payload: acc('three') }),
            batchEntry('POST', { payload: acc('dup', ` xmlns:sdata="${NS.sdata}" sdata:key="${k1}"`) }),
            batchEntry('POST', { payload: acc('four') }),
            batchEntry('POST', { payload: `<account xmlns="${NS.dynamic}"><balance>x</balance></account>` }),
            batchEntry('DELETE', { id: `${URL_EP}('${k2}')` }),
            batchEntry('GET', { id: `${URL_EP}('${k1}')` }),
            batchEntry('GET', { id: `${URL_EP}('nope')` }),
            batchEntry('PATCH', { id: `${URL_EP}('${k1}')` }),
          ]),
        ),
    ).expect(200);
    expect(res.body).toMatch(/^<\?xml[^>]*\?><feed [^>]*xmlns="http:\/\/www\.w3\.org\/2005\/Atom"/);
    const answers = entriesOf(xmlOf(res));
    expect(answers.map((e) => [childText(e, NS.http, 'httpMethod'), childText(e, NS.http, 'httpStatus')])).toEqual([
      ['PUT', '200'],
      ['PUT', '412'],
      ['POST', '201'],
      ['POST', '409'],
      ['POST', '201'],
      ['POST', '400'],
      ['DELETE', '200'],
      ['GET', '200'],
      ['GET', '404'],
      ['PATCH', '405'],
    ]);
    expect(prop(payloadOf(answers[0]), 'name')).toBe('one b');
    expect(child(answers[1], NS.sdata, 'diagnosis')).toBeDefined();
    expect(childText(child(answers[5], NS.sdata, 'diagnosis'), NS.sdata, 'payloadPath')).toMatch(/balance|name/);
    expect(prop(payloadOf(answers[7]), 'name')).toBe('one b');
    for (const i of [0, 2, 4, 7]) expect(childText(answers[i], NS.http, 'etag')).toBeTruthy();
    // PUT, two creates and the DELETE each took one tick; refused entries took none.
    expect(await clock()).toBe(before + 2 + 4);
    const keys = (await t.db('resources').where({ endpoint_id: t.endpointId(URL_EP), deleted: false }).orderBy('seq')).map((r: { local_key: string }) => r.local_key);
    expect(keys).toEqual([k1, 'A00003', 'A00004']);
  });

  it('refuses a body that is not a feed whole, changing nothing', async () => {
    const before = await snapshot(t.db);
    for (const body of ['', '<entry xmlns="http://www.w3.org/2005/Atom"/>', batchFeed([batchEntry('POST', { payload: acc('x') })]).replace('</feed>', '')]) {
      await asText(t.http().post(`${EP}/$batch`).send(body)).expect(400);
    }
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('creates 1,000 entries of one batch with one tick range', async () => {
    const before = await clock();
    const res = await asText(t.http().post(`${EP}/$batch`).send(batchFeed(Array.from({ length: 1000 }, (_, i) => batchEntry('POST', { payload: acc(`bulk ${i}`) }))))).expect(200);
    const answers = entriesOf(xmlOf(res));
    expect(answers).toHaveLength(1000);
    expect(new Set(answers.map((e) => childText(e, NS.http, 'httpStatus')))).toEqual(new Set(['201']));
    expect(await clock()).toBe(before + 1000);
    const ticks = await t.db('resources').where('endpoint_id', t.endpointId(URL_EP)).andWhere('state_tick', '>=', before).count<{ n: string }[]>({ n: '*' });
    expect(Number(ticks[0].n)).toBe(1000);
  });
});
