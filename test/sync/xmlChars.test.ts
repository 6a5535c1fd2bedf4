/**
 * Characters XML 1.0 cannot carry (U+0000, U+0001, U+FFFE, U+FFFF, a lone surrogate, …) never stop a sync
 * route: a JSON body holding one is refused (400 ForbiddenCharacter naming the property, nothing stored), a
 * version already holding one is withheld by its source (listed at its `$failures`, the rest of the page
 * served), and a target quarantines an entry of a well-formed page it cannot read while the others apply.
 * Each time, later changes still arrive through ordinary passes.
 */
import request from 'supertest';
import { describeEachDatabase } from '../support/databases';
import { asText, openTestApp, snapshot, type TestApp } from '../endpoint/support/app';
import { CRM, ERP } from '../endpoint/support/testConfig';
import { getDigest, getDigestXml, pathOf, syncByHand } from '../support/syncByHand';
import { parseFailureFeed } from '../../src/atom/parkedFeeds';
import { parseXml } from '../../src/atom/xml';
import { createResources } from '../../src/store/resources';
import { parseResultFeed } from '../../src/atom/resultFeed';
import { parseDigestDocument } from '../../src/atom/digestXml';
import { tickOf } from '../../src/protocol/digest';

const A = `${CRM}/accounts`;
const B = `${ERP}/accounts`;

function local(t: TestApp, url: string) {
  const e = t.runtime.catalog.endpoints.find((x) => x.url === url)!;
  return { id: e.id, url: e.url, keys: e.def.keys };
}

/** The names of the accounts stored at an endpoint that start with `prefix`. */
async function namesAt(t: TestApp, url: string, prefix: string): Promise<string[]> {
  const rows = await t.db('resources').where({ endpoint_id: t.endpointId(url), deleted: false }).select('payload');
  return rows.map((r: { payload: { name: string } }) => r.payload.name).filter((n: string) => n.startsWith(prefix)).sort();
}

const postJson = (t: TestApp, body: string) => request(t.app).post(pathOf(`${A}?format=json`)).set('Content-Type', 'application/json').send(body);

describeEachDatabase('characters XML cannot carry', (tdb) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(tdb);
  });

  it('refuses the JSON body of the issue (400, a diagnosis naming the property, nothing stored); a later pass still moves later changes', async () => {
    const before = await snapshot(t.db);
    const r = await postJson(t, '{"name":"p","email":"a\\uffffb"}');
    expect(r.status).toBe(400);
    expect(r.body.$diagnoses).toEqual([expect.objectContaining({ sdataCode: 'BadRequest', applicationCode: 'ForbiddenCharacter', payloadPath: 'email', message: expect.stringContaining('U+FFFF') })]);
    expect(await snapshot(t.db)).toEqual(before);

    expect((await postJson(t, '{"name":"T1 later"}')).status).toBe(201);
    const pass = await syncByHand(t.app, A, B);
    expect(pass.completed).toBe(true);
    expect(await namesAt(t, B, 'T1')).toEqual(['T1 later']);
  });

  it.each([
    ['U+FFFE', '"a\\ufffeb"'],
    ['U+0001', '"a\\u0001b"'],
    ['U+0000', '"a\\u0000b"'],
    ['a lone surrogate', '"a\\ud800b"'],
    ['U+FFFF in a property name', null],
  ])('refuses %s with a 4xx diagnosis, never a 500, and stores nothing', async (_name, value) => {
    const before = await snapshot(t.db);
    const body = value === null ? '{"name":"p","e\\uffff":"x"}' : `{"name":${value}}`;
    const r = await postJson(t, body);
    expect(r.status).toBe(400);
    const [d] = r.body.$diagnoses;
    expect(d).toMatchObject({ applicationCode: 'ForbiddenCharacter', payloadPath: value === null ? 'eU+FFFF' : 'name' });
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('a version already holding one is withheld by the source with a diagnosis; the rest of the page and later changes arrive', async () => {
    const ep = local(t, A);
    await t.db.transaction((trx) => createResources(trx, ep, [{ values: { name: 'T3 first' } }, { values: { name: 'T3 bad \uffff one', email: 'x\u0001' } }, { values: { name: 'T3 third' } }]));
    const first = await syncByHand(t.app, A, B);
    expect(first.completed).toBe(true);
    expect(first.pageBodies[0]).not.toContain('T3 bad');
    expect(await namesAt(t, B, 'T3')).toEqual(['T3 first', 'T3 third']);

    const failures = await asText(request(t.app).get(pathOf(`${A}/$failures?status=withheld`)));
    expect(failures.status).toBe(200);
    const listed = parseFailureFeed(failures.body as string).items;
    expect(listed).toEqual([
      expect.objectContaining({
        status: 'withheld',
        diagnoses: [expect.objectContaining({ applicationCode: 'UnservableValue', payloadPath: 'account/name', message: expect.stringContaining('U+FFFF at character 8') })],
      }),
    ]);
    // The same version selected again (for another target): still listed once.
    const again = await asText(request(t.app).post(pathOf(`${A}/$syncSource`)).set('Content-Type', 'application/atom+xml').send(await getDigestXml(t.app, `${ERP}/contacts`)));
    expect(again.status).toBe(200);
    expect(parseXml(again.body as string).name).toBe('feed');
    expect(parseFailureFeed((await asText(request(t.app).get(pathOf(`${A}/$failures?status=withheld`)))).body as string).items).toHaveLength(1);

    for (const name of ['T3 later 1', 'T3 later 2', 'T3 later 3']) expect((await postJson(t, JSON.stringify({ name }))).status).toBe(201);
    const later = await syncByHand(t.app, A, B);
    expect(later.completed).toBe(true);
    expect(await namesAt(t, B, 'T3')).toEqual(['T3 first', 'T3 later 1', 'T3 later 2', 'T3 later 3', 'T3 third']);
  });

  /** The second entry of a page, spoilt. */
  const spoilSecond = (page: string, spoil: (entry: string) => string): string => {
    const entries = [...page.matchAll(/<entry>[\s\S]*?<\/entry>/g)];
    expect(entries).toHaveLength(3);
    const second = entries[1];
    const spoilt = spoil(second[0]);
    expect(spoilt).not.toBe(second[0]);
    return page.slice(0, second.index) + spoilt + page.slice(second.index! + second[0].length);
  };

  it.each<[string, (entry: string) => string, string]>([
    ['an unknown element in its sync metadata', (e) => e.replace('</sync:syncState>', '<sync:bogus>1</sync:bogus></sync:syncState>'), 'InvalidSyncFeed'],
    ['a tick that is not a number', (e) => e.replace(/<sync:tick>\d+<\/sync:tick>/, '<sync:tick>x7</sync:tick>'), 'InvalidSyncFeed'],
    ['no sync metadata at all', (e) => e.replace(/<sync:syncState>[\s\S]*?<\/sync:syncState>/, ''), 'InvalidSyncFeed'],
    ['a value its kind refuses', (e) => e.replace(/<name>([^<]*)<\/name>/, '<name>$1</name><balance>not a number</balance>'), 'InvalidValue'],
  ])('a page whose middle entry has %s: that entry is quarantined, the other two apply, the digest moves, three later changes arrive', async (name, spoil, code) => {
    const tag = `T5 ${name}`;
    await syncByHand(t.app, A, B);
    await t.db.transaction((trx) => createResources(trx, local(t, A), [{ values: { name: `${tag} 1` } }, { values: { name: `${tag} 2` } }, { values: { name: `${tag} 3` } }]));
    const selected = await asText(request(t.app).post(pathOf(`${A}/$syncSource?count=500`)).set('Content-Type', 'application/atom+xml').send(await getDigestXml(t.app, B)));
    expect(selected.status).toBe(200);
    const page = spoilSecond(selected.body as string, spoil);
    const ceiling = parseDigestDocument(parseXml(await getDigestXml(t.app, A)));

    const posted = await asText(request(t.app).post(pathOf(`${B}/$syncTarget`)).set('Content-Type', 'application/atom+xml;type=feed').send(page));
    expect(posted.status).toBe(200);
    const results = parseResultFeed(posted.body as string).entries;
    expect(results.map((r) => r.httpStatus)).toEqual([201, 422, 201]);
    expect(results[1].diagnoses).toEqual([expect.objectContaining({ applicationCode: code })]);
    expect(await namesAt(t, B, tag)).toEqual([`${tag} 1`, `${tag} 3`]);
    // The digest moved past the quarantined entry as for an applied one.
    expect(tickOf(await getDigest(t.app, B), A, 0)).toBe(tickOf(ceiling, A, 0));
    const failures = parseFailureFeed((await asText(request(t.app).get(pathOf(`${B}/$failures?status=open`)))).body as string).items;
    expect(failures.some((f) => f.diagnoses.some((d) => d.applicationCode === code && (d.payloadPath ?? '').includes(code === 'InvalidValue' ? 'balance' : 'entry[2]')))).toBe(true);
    // The quarantined entry shows its payload as sent.
    const quarantined = failures.find((f) => f.payload?.name === `${tag} 2`);
    expect(quarantined?.payload).toEqual(expect.objectContaining({ name: `${tag} 2`, ...(code === 'InvalidValue' ? { balance: 'not a number' } : {}) }));

    for (const n of [4, 5, 6]) expect((await postJson(t, JSON.stringify({ name: `${tag} ${n}` }))).status).toBe(201);
    const later = await syncByHand(t.app, A, B);
    expect(later.completed).toBe(true);
    expect(await namesAt(t, B, tag)).toEqual([`${tag} 1`, `${tag} 3`, `${tag} 4`, `${tag} 5`, `${tag} 6`]);
  });
});
