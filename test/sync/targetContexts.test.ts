/**
 * `$syncTarget` contexts over HTTP: a page answered 200 at once keeps no context (no Location; its ID is
 * unknown); a page answered 202 is polled to its result at the context URL; a page that fails after its 202
 * leaves the failure at the context (nothing applied). The 202 cases run on PostgreSQL only: PGlite works in
 * this process's thread, so a page's work never lets the answer timer run before it ends (it is answered 200).
 */
import request from 'supertest';
import { describeEachDatabase, describePostgres, type TestDatabase } from '../support/databases';
import { asText, openTestApp, snapshot } from '../endpoint/support/app';
import { CRM, ERP, testConfig } from '../endpoint/support/testConfig';
import { getDigestXml, pathOf, settle } from '../support/syncByHand';
import { parseResultFeed } from '../../src/atom/resultFeed';
import { parseTracking } from '../../src/atom/tracking';
import { diagnosesIn } from '../../src/atom/diagnosisXml';
import { parseXml } from '../../src/atom/xml';
import { createResources } from '../../src/store/resources';

const A = `${CRM}/accounts`;
const B = `${ERP}/accounts`;
const server = { port: 0, publicBaseUrl: 'http://sdata.test', bodyLimitBytes: 10_000_000, defaultPageSize: 100, maxPageSize: 500 };

async function openWithPage(tdb: TestDatabase, answerWithinMillis: number) {
    const t = await openTestApp(tdb, testConfig({ server, sync: { answerWithinMillis } }));
    const a = t.runtime.catalog.endpoints.find((e) => e.url === A)!;
    await t.db.transaction((trx) => createResources(trx, { id: a.id, url: a.url, keys: a.def.keys }, Array.from({ length: 30 }, (_, i) => ({ values: { name: `Account ${i}` } }))));
    const page = await asText(request(t.app).post(pathOf(`${A}/$syncSource`)).set('Content-Type', 'application/atom+xml').send(await getDigestXml(t.app, B)));
    expect(page.status).toBe(200);
    return { t, page: page.body as string };
}

/** Makes every digest write of the page's transaction wait, so the page outlives answerWithinMillis. */
async function slowDigestWrites(t: { db: import('../../src/store/db').Db }, failWith?: string): Promise<() => Promise<void>> {
  const body = failWith ? `PERFORM pg_sleep(0.2); RAISE EXCEPTION '${failWith}';` : 'PERFORM pg_sleep(0.2);';
  await t.db.raw(`CREATE FUNCTION slow_digest() RETURNS trigger AS $$ BEGIN ${body} RETURN NEW; END $$ LANGUAGE plpgsql`);
  await t.db.raw('CREATE TRIGGER slow_digest BEFORE INSERT OR UPDATE ON digest_entries FOR EACH ROW EXECUTE FUNCTION slow_digest()');
  return async () => {
    await t.db.raw('DROP TRIGGER slow_digest ON digest_entries');
    await t.db.raw('DROP FUNCTION slow_digest()');
  };
}

describePostgres('$syncTarget contexts answered 202', (tdb) => {
  it('answers 202 with tracking when the work takes longer than answerWithinMillis; polling the context gives the result feed', async () => {
    const { t, page } = await openWithPage(tdb, 50);
    const restore = await slowDigestWrites(t);
    const posted = await asText(request(t.app).post(pathOf(`${B}/$syncTarget?trackingID=${crypto.randomUUID()}`)).set('Content-Type', 'application/atom+xml').send(page));
    expect(posted.status).toBe(202);
    expect(parseTracking(posted.body as string).pollingMillis).toBeGreaterThan(0);
    const context = posted.headers.location as string;
    expect(context).toMatch(/\$syncTarget\('[0-9a-f-]{36}'\)$/);
    const done = await settle(t.app, posted);
    await restore();
    expect(done.status).toBe(200);
    expect(parseResultFeed(done.body as string).entries.filter((e) => e.httpStatus === 201)).toHaveLength(30);
    expect(Number((await t.db('resources').where({ endpoint_id: t.endpointId(B) }).count({ n: '*' }))[0].n)).toBe(30);
    expect((await request(t.app).delete(pathOf(context))).status).toBe(200);
    expect((await request(t.app).get(pathOf(context))).status).toBe(404);
  });

  it('a page that fails after its 202 leaves the failure at the context and nothing applied', async () => {
    const { t, page } = await openWithPage(tdb, 50);
    const before = await snapshot(t.db);
    const restore = await slowDigestWrites(t, 'injected failure');
    try {
      const posted = await asText(request(t.app).post(pathOf(`${B}/$syncTarget?trackingID=${crypto.randomUUID()}`)).set('Content-Type', 'application/atom+xml').send(page));
      expect(posted.status).toBe(202);
      const failed = await settle(t.app, posted);
      expect(failed.status).toBe(500);
      expect(diagnosesIn(parseXml(failed.body as string))[0].message).toContain('injected failure');
      expect(await snapshot(t.db)).toEqual(before);
    } finally {
      await restore();
    }
  });
});

describeEachDatabase('$syncTarget pages answered 200 at once', (tdb) => {
  it('keep no context: no Location, nothing stored, GET and DELETE of the ID answer 404 UnknownTrackingId', async () => {
    const { t, page } = await openWithPage(tdb, 60_000);
    const id = crypto.randomUUID();
    const posted = await asText(request(t.app).post(pathOf(`${B}/$syncTarget?trackingID=${id}`)).set('Content-Type', 'application/atom+xml').send(page));
    expect(posted.status).toBe(200);
    expect(parseResultFeed(posted.body as string).entries.filter((e) => e.httpStatus === 201)).toHaveLength(30);
    expect(posted.headers.location).toBeUndefined();
    expect(await t.db('contexts').select('id')).toEqual([]);
    for (const method of ['get', 'delete'] as const) {
      const r = await asText(request(t.app)[method](pathOf(`${B}/$syncTarget('${id}')`)));
      expect([method, r.status, diagnosesIn(parseXml(r.body as string))[0].applicationCode]).toEqual([method, 404, 'UnknownTrackingId']);
    }
  });
});
