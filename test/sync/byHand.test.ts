/**
 * Sync feeds end to end over HTTP, playing the engine by hand: two endpoints converge, a second pass moves
 * nothing, re-posting a page changes nothing, superseded resources wait for the next pass, a bad entry is
 * quarantined alone, and malformed feeds change nothing.
 */
import request from 'supertest';
import { describeEachDatabase } from '../support/databases';
import { openTestApp, snapshot, type TestApp } from '../endpoint/support/app';
import { CRM, ERP, testConfig } from '../endpoint/support/testConfig';
import { getDigest, getDigestXml, pathOf, syncByHand } from '../support/syncByHand';
import { parseResultFeed } from '../../src/atom/resultFeed';
import { parseExposition, sampleValue } from '../support/prometheus';
import { diagnosesIn } from '../../src/atom/diagnosisXml';
import { parseXml } from '../../src/atom/xml';
import { createApp, prepareRuntime } from '../../src/endpoint/server';
import type { Db } from '../../src/store/db';
import type { Config } from '../../src/config/schema';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const textParser = (res: any, done: (err: Error | null, body: string) => void) => {
  let b = '';
  res.setEncoding('utf8');
  res.on('data', (c: string) => (b += c));
  res.on('end', () => done(null, b));
};

async function openTestAppOn(db: Db, cfg: Config) {
  const runtime = await prepareRuntime(cfg, { db });
  return { app: createApp(runtime) };
}
import { createResources, deleteResource, updateResource } from '../../src/store/resources';
import { sameTicks } from '../../src/protocol/digest';
import { expireContexts } from '../../src/store/contexts';

const A = `${CRM}/accounts`;
const B = `${ERP}/accounts`;

async function dataByUuid(t: TestApp, url: string): Promise<Record<string, unknown>> {
  const rows = await t.db('resources').where({ endpoint_id: t.endpointId(url) }).select('uuid', 'payload', 'deleted');
  return Object.fromEntries(rows.map((r: { uuid: string; payload: unknown; deleted: boolean }) => [r.uuid, r.deleted ? 'deleted' : r.payload]));
}

function local(t: TestApp, url: string) {
  const e = t.runtime.catalog.endpoints.find((x) => x.url === url)!;
  return { id: e.id, url: e.url, keys: e.def.keys };
}

describeEachDatabase('sync feeds by hand', (tdb) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(tdb, testConfig({ server: { port: 0, publicBaseUrl: 'http://sdata.test', bodyLimitBytes: 10_000_000, defaultPageSize: 100, maxPageSize: 500 } }));
  });

  it('brings two endpoints with 1,000 resources, some deleted, to identical data and digests; a second pass moves nothing', async () => {
    const ep = local(t, A);
    const created = await t.db.transaction((trx) =>
      createResources(trx, ep, Array.from({ length: 1000 }, (_, i) => ({ values: { name: `Account ${i}`, email: `a${i}@x.test`, balance: `${i}.50`, active: i % 2 === 0, openedOn: '2026-01-02' } }))),
    );
    await t.db.transaction(async (trx) => {
      for (const r of created.slice(0, 50)) await deleteResource(trx, ep, r.key, undefined);
      for (const r of created.slice(50, 100)) await updateResource(trx, ep, r.key, { ...r.values, name: `${r.values.name} (changed)` }, undefined);
    });
    const first = await syncByHand(t.app, A, B, { count: 300 });
    expect(first.completed).toBe(true);
    expect(first.pages).toBe(4);
    expect(first.results.filter((r) => r.httpMethod === 'POST')).toHaveLength(950);
    expect(first.results.filter((r) => r.httpMethod === 'DELETE')).toHaveLength(50);
    await syncByHand(t.app, B, A);
    expect(await dataByUuid(t, B)).toEqual(await dataByUuid(t, A));
    expect(sameTicks(await getDigest(t.app, A), await getDigest(t.app, B))).toBe(true);
    const again = await syncByHand(t.app, A, B);
    expect(again.results).toHaveLength(0);
    const back = await syncByHand(t.app, B, A);
    expect(back.results).toHaveLength(0);
  });

  it('re-posting a page that was already applied changes nothing', async () => {
    const ep = local(t, A);
    await t.db.transaction((trx) => createResources(trx, ep, [{ values: { name: 'Repost' } }]));
    const pass = await syncByHand(t.app, A, B);
    const before = await snapshot(t.db);
    const conflictsBefore = await t.db('conflicts').count({ n: '*' });
    const again = await request(t.app).post(pathOf(`${B}/$syncTarget?trackingID=${crypto.randomUUID()}`)).set('Content-Type', 'application/atom+xml').send(pass.pageBodies[0]);
    expect(again.status).toBe(200);
    expect(await snapshot(t.db)).toEqual(before);
    expect(await t.db('conflicts').count({ n: '*' })).toEqual(conflictsBefore);
  });

  it('leaves out a resource changed after the selection started; it arrives with the next pass', async () => {
    const ep = local(t, A);
    const made = await t.db.transaction((trx) => createResources(trx, ep, Array.from({ length: 6 }, (_, i) => ({ values: { name: `Moving ${i}` } }))));
    const last = made[made.length - 1];
    const pass = await syncByHand(t.app, A, B, {
      count: 2,
      beforePage: async (n) => {
        if (n === 1) await t.db.transaction((trx) => updateResource(trx, ep, last.key, { name: 'Moved later' }, undefined));
      },
    });
    const sentUuids = pass.results.map((r) => r.uuid);
    expect(sentUuids).not.toContain(last.uuid);
    await syncByHand(t.app, A, B);
    const b = await dataByUuid(t, B);
    expect((b[last.uuid] as { name: string }).name).toBe('Moved later');
    expect(await dataByUuid(t, B)).toEqual(await dataByUuid(t, A));
  });

  it('refuses malformed sync feeds with 4xx and changes nothing', async () => {
    const before = await snapshot(t.db);
    const bad = [
      '<!DOCTYPE x [<!ENTITY e "x">]><feed xmlns="http://www.w3.org/2005/Atom"/>',
      '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:sync="http://schemas.sage.com/sdata/sync/2008/1"><sync:digest><sync:digestEntry><sync:endpoint>x</sync:endpoint><sync:tick>1</sync:tick><sync:stamp>2026-01-01T00:00:00Z</sync:stamp><sync:conflictPriority>12</sync:conflictPriority></sync:digestEntry></sync:digest></feed>',
      // No sync:digest (an entry without sync:syncState alone would be quarantined: xmlChars.test.ts).
      '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:sync="http://schemas.sage.com/sdata/sync/2008/1"><entry><id>x</id></entry></feed>',
      '<feed',
    ];
    for (const body of bad) {
      const r = await request(t.app).post(pathOf(`${B}/$syncTarget`)).set('Content-Type', 'application/atom+xml').send(body);
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
    }
    const unknown = await request(t.app).get(pathOf(`${B}/$syncTarget('${crypto.randomUUID()}')`));
    expect(unknown.status).toBe(404);
    expect(await snapshot(t.db)).toEqual(before);
  });
});

describeEachDatabase('malformed pages of a real sync feed', (tdb) => {
  let t: TestApp;
  let page: string;
  beforeAll(async () => {
    t = await openTestApp(tdb);
    await t.db.transaction((trx) => createResources(trx, local(t, A), [{ values: { name: 'One' } }, { values: { name: 'Two' } }]));
    page = (await request(t.app).post(pathOf(`${A}/$syncSource`)).set('Content-Type', 'application/atom+xml').buffer(true).parse(textParser).send(await getDigestXml(t.app, B))).body as string;
  });

  // An entry whose own sync metadata is wrong is quarantined alone (xmlChars.test.ts); the feed's is refused whole.
  it.each<[string, (page: string) => string, number, string]>([
    ['a floor tick that is not a number', (p) => p.replace(/(<x:floorDigest>.*?<sync:tick>)\d+(<\/sync:tick>)/, '$1x7$2'), 400, 'InvalidSyncFeed'],
    ['a ceiling priority outside 1..9', (p) => p.replace(/(<sync:digest>.*?<sync:conflictPriority>)\d(<\/sync:conflictPriority>)/, '$110$2'), 400, 'InvalidSyncFeed'],
    ['a DOCTYPE', (p) => p.replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE feed>'), 400, 'DoctypeRefused'],
    ['a page cut in the middle', (p) => p.slice(0, Math.floor(p.length / 2)), 400, 'MalformedXml'],
  ])('refuses %s with a diagnosis and changes nothing', async (_name, spoil, status, code) => {
    const spoilt = spoil(page);
    expect(spoilt).not.toBe(page);
    const before = await snapshot(t.db);
    const r = await request(t.app).post(pathOf(`${B}/$syncTarget`)).set('Content-Type', 'application/atom+xml').buffer(true).parse(textParser).send(spoilt);
    expect(r.status).toBe(status);
    expect(diagnosesIn(parseXml(r.body as string))[0].applicationCode).toBe(code);
    expect(await snapshot(t.db)).toEqual(before);
  });
});

describeEachDatabase('sync feed gaps and quarantine', (tdb) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(tdb, testConfig({ server: { port: 0, publicBaseUrl: 'http://sdata.test', bodyLimitBytes: 10_000_000, defaultPageSize: 100, maxPageSize: 500 } }));
  });

  it('refuses an immediate page with a gap (400 SyncGap) and changes nothing', async () => {
    const ep = local(t, A);
    await t.db.transaction((trx) => createResources(trx, ep, [{ values: { name: 'First' } }]));
    await t.db.transaction((trx) => createResources(trx, ep, [{ values: { name: 'Second' } }]));
    // A page whose floor claims B already has crm's first change: B has nothing yet.
    const pass = await syncByHand(t.app, A, `${CRM}/contacts`);
    const page = pass.pageBodies[0].replace('<sync:syncMode>catchUp</sync:syncMode>', '<sync:syncMode>immediate</sync:syncMode>');
    const floorRaised = page.replace(/(<x:floorDigest>[\s\S]*?<sync:tick>)1(<\/sync:tick>)/, '$12$2');
    const withFloor = floorRaised.includes('<x:floorDigest>') ? floorRaised : page;
    const before = await snapshot(t.db);
    const r = await request(t.app).post(pathOf(`${B}/$syncTarget`)).set('Content-Type', 'application/atom+xml').buffer(true).parse((res, done) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (b += c));
      res.on('end', () => done(null, b));
    }).send(withFloor.replace(/<x:floorDigest>[\s\S]*?<\/x:floorDigest>/, `<x:floorDigest><sync:digestEntry><sync:endpoint>${A}</sync:endpoint><sync:tick>2</sync:tick><sync:stamp>2026-01-01T00:00:00.000Z</sync:stamp><sync:conflictPriority>1</sync:conflictPriority></sync:digestEntry></x:floorDigest>`));
    expect(r.status).toBe(400);
    expect(r.body as string).toContain('<sdata:applicationCode>SyncGap</sdata:applicationCode>');
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('quarantines an entry that fails validation, applies the others, and a retry applies it once the configuration accepts it', async () => {
    const ep = local(t, `${CRM}/contacts`);
    await t.db.transaction((trx) => createResources(trx, ep, [{ values: { firstName: 'Good' } }, { values: { firstName: 'Bad', email: 'bad@x.test' } }]));
    const C = `${ERP}/contacts`;
    const sel = await request(t.app).post(pathOf(`${CRM}/contacts/$syncSource`)).set('Content-Type', 'application/atom+xml').buffer(true).parse(textParser).send(await getDigestXml(t.app, C));
    // A reference without sdata:uuid is an InvalidValue (an unknown property would only be left out, with a warning).
    const broken = (sel.body as string).replace('<email>bad@x.test</email>', '<email>bad@x.test</email><account>B</account>');
    const r = await request(t.app).post(pathOf(`${C}/$syncTarget`)).set('Content-Type', 'application/atom+xml').buffer(true).parse(textParser).send(broken);
    expect(r.status).toBe(200);
    const results = parseResultFeed(r.body as string).entries;
    expect(results.map((e) => e.httpStatus).sort()).toEqual([201, 422]);
    const list = await request(t.app).get(pathOf(`${C}/$failures`)).buffer(true).parse(textParser);
    expect(list.status).toBe(200);
    expect(list.body as string).toContain('InvalidValue');
    const [failure] = await t.db('failures').where({ endpoint_id: t.endpointId(C), status: 'open' });
    expect(failure).toBeDefined();
    // The server's metrics count the page's entries by outcome, and the open failure.
    const metrics = async (app: typeof t.app) => parseExposition((await request(app).get('/metrics').buffer(true).parse(textParser)).body as string);
    const erpContacts = new URL(C).pathname;
    const counted = await metrics(t.app);
    expect(['applied', 'quarantined', 'skipped', 'conflict'].map((outcome) => sampleValue(counted, 'sdata_sync_entries_total', { endpoint: erpContacts, outcome }))).toEqual([1, 1, 0, 0]);
    expect(sampleValue(counted, 'sdata_open_failures', { endpoint: erpContacts })).toBe(1);
    // The configuration now takes the property as text; a retry applies the entry under the rules of this moment.
    const fixed = testConfig({ server: { port: 0, publicBaseUrl: 'http://sdata.test', bodyLimitBytes: 10_000_000, defaultPageSize: 100, maxPageSize: 500 } });
    for (const app of fixed.applications) for (const k of app.kinds) if (k.name === 'contacts') k.properties.account = { type: 'string', required: false };
    const t2 = await openTestAppOn(t.db, fixed);
    const retried = await request(t2.app).post(pathOf(`${C}/$failures('${failure.id}')/$retry`)).buffer(true).parse(textParser);
    expect(retried.status).toBe(200);
    expect(retried.body as string).toContain('<x:status>applied</x:status>');
    const row = await t.db('resources').where({ endpoint_id: t.endpointId(C), uuid: failure.uuid }).first();
    expect(row.payload.account).toBe('B');
    const afterRetry = await metrics(t2.app);
    expect(sampleValue(afterRetry, 'sdata_sync_entries_total', { endpoint: erpContacts, outcome: 'applied' })).toBe(1);
    expect(sampleValue(afterRetry, 'sdata_open_failures', { endpoint: erpContacts })).toBe(0);
  });

  it('a database failure in the middle of applying a page leaves none of it applied and the digest unmoved; posting it again applies it all', async () => {
    const ep = local(t, A);
    await t.db.transaction((trx) => createResources(trx, ep, Array.from({ length: 20 }, (_, i) => ({ values: { name: `Crash ${i}` } }))));
    const T = `${ERP}/accounts`;
    const sel = await request(t.app).post(pathOf(`${A}/$syncSource`)).set('Content-Type', 'application/atom+xml').buffer(true).parse(textParser).send(await getDigestXml(t.app, T));
    const before = await snapshot(t.db);
    // Fail the digest write, which comes after the page's resources were written in the same transaction.
    await t.db.raw(`CREATE FUNCTION injected_failure() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql`);
    await t.db.raw('CREATE TRIGGER injected_failure BEFORE INSERT OR UPDATE ON digest_entries FOR EACH ROW EXECUTE FUNCTION injected_failure()');
    const failed = await request(t.app).post(pathOf(`${T}/$syncTarget`)).set('Content-Type', 'application/atom+xml').send(sel.body as string);
    expect(failed.status).toBe(500);
    expect(await snapshot(t.db)).toEqual(before);
    await t.db.raw('DROP TRIGGER injected_failure ON digest_entries');
    await t.db.raw('DROP FUNCTION injected_failure()');
    const ok = await request(t.app).post(pathOf(`${T}/$syncTarget`)).set('Content-Type', 'application/atom+xml').buffer(true).parse(textParser).send(sel.body as string);
    expect(ok.status).toBe(200);
    expect(parseResultFeed(ok.body as string).entries.filter((e) => e.httpStatus === 201).length).toBeGreaterThanOrEqual(20);
    expect(await dataByUuid(t, T)).toEqual(await dataByUuid(t, A));
  });
});

describeEachDatabase('sync contexts', (tdb) => {
  /** Two accounts at A: a selection of one entry a page keeps a context, one of more fits at once. */
  async function withTwoAccounts(): Promise<TestApp> {
    const t = await openTestApp(tdb);
    const a = t.runtime.catalog.endpoints.find((e) => e.url === A)!;
    await t.db.transaction((trx) => createResources(trx, { id: a.id, url: a.url, keys: a.def.keys }, [{ values: { name: 'One' } }, { values: { name: 'Two' } }]));
    return t;
  }

  it('DELETE of a context answers 200 once, then 404 for the unknown tracking ID', async () => {
    const t = await withTwoAccounts();
    const sel = await request(t.app).post(pathOf(`${A}/$syncSource?count=1`)).set('Content-Type', 'application/atom+xml').send(await getDigestXml(t.app, B));
    const location = pathOf(sel.headers.location as string);
    expect((await request(t.app).delete(location)).status).toBe(200);
    expect((await request(t.app).delete(location)).status).toBe(404);
    expect((await request(t.app).get(location)).status).toBe(404);
  });

  it('a selection that fits in its first page, empty or not, is answered whole: no Location, no context kept, its ID unknown', async () => {
    const t = await withTwoAccounts();
    for (const count of [100, 2]) {
      const id = crypto.randomUUID();
      const sel = await request(t.app).post(pathOf(`${A}/$syncSource?trackingID=${id}&count=${count}`)).set('Content-Type', 'application/atom+xml').buffer(true).parse(textParser).send(await getDigestXml(t.app, B));
      expect(sel.status).toBe(200);
      expect(pageShape(sel.body as string)).toEqual({ entries: 2, next: false });
      expect(sel.headers.location).toBeUndefined();
      for (const method of ['get', 'delete'] as const) {
        const r = await request(t.app)[method](pathOf(`${A}/$syncSource('${id}')`)).buffer(true).parse(textParser);
        expect([method, r.status, diagnosesIn(parseXml(r.body as string))[0].applicationCode]).toEqual([method, 404, 'UnknownTrackingId']);
      }
    }
    // An empty selection (A's digest as floor: nothing to move) writes nothing either.
    const empty = await request(t.app).post(pathOf(`${A}/$syncSource`)).set('Content-Type', 'application/atom+xml').buffer(true).parse(textParser).send(await getDigestXml(t.app, A));
    expect([empty.status, empty.headers.location, pageShape(empty.body as string)]).toEqual([200, undefined, { entries: 0, next: false }]);
    expect(await t.db('contexts').select('id')).toEqual([]);
  });
});

/** Entries and whether a rel="next" link is there, of a sync feed page. */
function pageShape(xml: string): { entries: number; next: boolean } {
  return { entries: (xml.match(/<entry>/g) ?? []).length, next: /rel="next"/.test(xml) };
}

describeEachDatabase('context expiry', (tdb) => {
  it('deletes contexts idle longer than the configured time, and only those', async () => {
    const t = await openTestApp(tdb);
    const a = t.runtime.catalog.endpoints.find((e) => e.url === A)!;
    await t.db.transaction((trx) => createResources(trx, { id: a.id, url: a.url, keys: a.def.keys }, [{ values: { name: 'One' } }, { values: { name: 'Two' } }]));
    const sel = await request(t.app).post(pathOf(`${A}/$syncSource?count=1`)).set('Content-Type', 'application/atom+xml').send(await getDigestXml(t.app, B));
    const fresh = await request(t.app).post(pathOf(`${A}/$syncSource?count=1`)).set('Content-Type', 'application/atom+xml').send(await getDigestXml(t.app, B));
    const oldId = /'([0-9a-f-]{36})'/.exec(sel.headers.location as string)![1];
    await t.db('contexts').where({ id: oldId }).update({ touched_at: t.db.raw("now() - interval '2 hours'") });
    expect(await expireContexts(t.db, 3600)).toBe(1);
    expect((await request(t.app).get(pathOf(sel.headers.location as string))).status).toBe(404);
    expect((await request(t.app).get(pathOf(fresh.headers.location as string))).status).toBe(200);
  });
});

describeEachDatabase('conflicts over HTTP', (tdb) => {
  it('parks the losing version at $conflicts; $resolve keep writes it back as a new local change that propagates', async () => {
    const t = await openTestApp(tdb);
    const a = local(t, A);
    const b = local(t, B);
    const [made] = await t.db.transaction((trx) => createResources(trx, a, [{ values: { name: 'Original' } }]));
    await syncByHand(t.app, A, B);
    const atB = await t.db('resources').where({ endpoint_id: b.id, uuid: made.uuid }).first();
    await t.db.transaction((trx) => updateResource(trx, a, made.key, { name: 'Changed at crm' }, undefined));
    await t.db.transaction((trx) => updateResource(trx, b, atB.local_key, { name: 'Changed at erp' }, undefined));
    const pass = await syncByHand(t.app, A, B, { runName: 'conflicting' });
    const [result] = pass.results;
    expect(result.diagnoses.map((d) => d.applicationCode)).toEqual(['Conflict']);
    expect(result.diagnoses[0].message).toContain('priority');

    const list = await request(t.app).get(pathOf(`${B}/$conflicts?status=open`)).buffer(true).parse(textParser);
    expect(list.status).toBe(200);
    const feed = list.body as string;
    expect(feed).toContain('<opensearch:totalResults>1</opensearch:totalResults>');
    expect(feed).toContain('<x:winner>source</x:winner>');
    expect(feed).toContain('<x:runName>conflicting</x:runName>');
    expect(feed).toMatch(/<x:winnerVersion>[\s\S]*Changed at crm[\s\S]*<\/x:winnerVersion>/);
    expect(feed).toMatch(/<x:loserVersion>[\s\S]*Changed at erp[\s\S]*<\/x:loserVersion>/);
    expect((await t.db('resources').where({ endpoint_id: b.id, uuid: made.uuid }).first()).payload.name).toBe('Changed at crm');

    const [conflict] = await t.db('conflicts').where({ endpoint_id: b.id });
    const kept = await request(t.app).post(pathOf(`${B}/$conflicts('${conflict.id}')/$resolve?action=keep`)).buffer(true).parse(textParser);
    expect(kept.status).toBe(200);
    expect(kept.body as string).toContain('<x:status>kept</x:status>');
    const again = await request(t.app).post(pathOf(`${B}/$conflicts('${conflict.id}')/$resolve?action=dismiss`));
    expect(again.status).toBe(409);
    await syncByHand(t.app, B, A);
    expect((await t.db('resources').where({ endpoint_id: a.id, uuid: made.uuid }).first()).payload.name).toBe('Changed at erp');
    expect(await dataByUuid(t, A)).toEqual(await dataByUuid(t, B));
    expect(await request(t.app).get(pathOf(`${B}/$conflicts?status=bogus`)).then((r) => r.status)).toBe(400);
  });
});
