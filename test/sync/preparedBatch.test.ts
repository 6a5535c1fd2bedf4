/**
 * Two-phase batches at `$syncTarget` over HTTP (supertest), on PGlite and PostgreSQL: nothing of a prepared
 * page is visible, $commit applies it once (a repeated $commit answers the same), $abort drops it, a batch
 * aborts by itself at its timeout and then refuses its commit, a prepare that would leave a gap answers
 * OutOfSync, several pages of one batch commit together, and bad requests change nothing.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { describeEachDatabase } from '../support/databases';
import { asText, openTestApp, snapshot, type TestApp } from '../endpoint/support/app';
import { CRM, ERP, testConfig } from '../endpoint/support/testConfig';
import { getDigest, getDigestXml, pathOf } from '../support/syncByHand';
import { diagnosesIn } from '../../src/atom/diagnosisXml';
import { linkHref } from '../../src/atom/feed';
import { parseResultFeed } from '../../src/atom/resultFeed';
import { parseExposition, sampleValue } from '../support/prometheus';
import { parseXml } from '../../src/atom/xml';
import { withFloorDigest } from '../../src/atom/changeFile';
import { createResources } from '../../src/store/resources';
import { abortExpiredBatches } from '../../src/store/preparedBatches';
import { expireContexts } from '../../src/store/contexts';

const A = `${CRM}/accounts`;
const B = `${ERP}/accounts`;
const server = { port: 0, publicBaseUrl: 'http://sdata.test', bodyLimitBytes: 10_000_000, defaultPageSize: 100, maxPageSize: 500 };

const text = (r: request.Response): string => (typeof r.body === 'string' ? r.body : r.text);

describeEachDatabase('prepared two-phase batches', (tdb) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await openTestApp(tdb, testConfig({ server }));
  });

  async function addAccounts(n: number, name = 'Account'): Promise<void> {
    const a = t.runtime.catalog.endpoints.find((e) => e.url === A)!;
    await t.db.transaction((trx) => createResources(trx, { id: a.id, url: a.url, keys: a.def.keys }, Array.from({ length: n }, (_, i) => ({ values: { name: `${name} ${i}` } }))));
  }

  /** The pages of A's sync feed for B's digest, as A wrote them. */
  async function pagesForB(count = 100): Promise<string[]> {
    const pages: string[] = [];
    let r = await asText(request(t.app).post(pathOf(`${A}/$syncSource?count=${count}`)).set('Content-Type', 'application/atom+xml').send(await getDigestXml(t.app, B)));
    for (;;) {
      expect(r.status).toBe(200);
      pages.push(text(r));
      const next = linkHref(parseXml(text(r)), 'next');
      if (!next) return pages;
      r = await asText(request(t.app).get(pathOf(next)));
    }
  }

  const prepare = (id: string, page: string, query = '') =>
    asText(request(t.app).post(pathOf(`${B}/$syncTarget?phase=prepare&trackingID=${id}${query}`)).set('Content-Type', 'application/atom+xml;type=feed').send(page));
  const decide = (id: string, action: '$commit' | '$abort') => asText(request(t.app).post(pathOf(`${B}/$syncTarget('${id}')/${action}`)));
  const appliedAtB = async () => sampleValue(parseExposition(text(await asText(request(t.app).get('/metrics')))), 'sdata_sync_entries_total', { endpoint: new URL(B).pathname, outcome: 'applied' }) ?? NaN;
  const codes = (r: request.Response) => diagnosesIn(parseXml(text(r))).map((d) => d.applicationCode);

  it('a prepared page changes nothing until $commit, which applies it; a repeated $commit answers the same', async () => {
    await addAccounts(3, 'Commit');
    const [page] = await pagesForB();
    const before = await snapshot(t.db);
    const appliedBefore = await appliedAtB();
    const id = randomUUID();
    const ack = await prepare(id, page);
    expect(ack.status).toBe(200);
    expect(ack.headers.location).toBe(`${B}/$syncTarget('${id}')`);
    expect(parseResultFeed(text(ack)).entries.filter((e) => e.httpMethod === 'POST')).toHaveLength(3);
    // Only the batch's own rows exist: resources, digests, conflicts and failures are as they were.
    const during = (await snapshot(t.db)) as Record<string, unknown>;
    for (const table of ['resources', 'digest_entries', 'endpoints', 'conflicts', 'failures']) expect(during[table]).toEqual((before as Record<string, unknown>)[table]);
    expect(await appliedAtB()).toBe(appliedBefore); // a prepare applies nothing: the metrics count nothing
    const commit = await decide(id, '$commit');
    expect(commit.status).toBe(200);
    expect((await appliedAtB()) - appliedBefore).toBe(3);
    expect(parseResultFeed(text(commit)).entries.filter((e) => e.httpStatus === 201)).toHaveLength(3);
    expect((await getDigest(t.app, B)).entries.find((e) => e.endpoint === A)?.tick).toBe((await getDigest(t.app, A)).entries.find((e) => e.endpoint === A)?.tick);
    const again = await decide(id, '$commit');
    expect(again.status).toBe(200);
    expect(text(again)).toBe(text(commit));
    expect((await appliedAtB()) - appliedBefore).toBe(3); // the repeated $commit applied nothing again
    expect(await t.db('prepared_locks')).toEqual([]);
  });

  it('$abort drops a prepared batch: nothing applied, its resources free, a later $commit refused', async () => {
    await addAccounts(2, 'Abort');
    const [page] = await pagesForB();
    const before = await snapshot(t.db);
    const id = randomUUID();
    expect((await prepare(id, page)).status).toBe(200);
    expect((await decide(id, '$abort')).status).toBe(200);
    const after = (await snapshot(t.db)) as Record<string, unknown>;
    for (const table of ['resources', 'digest_entries', 'prepared_locks', 'prepared_pages']) expect(after[table]).toEqual((before as Record<string, unknown>)[table]);
    const late = await decide(id, '$commit');
    expect(late.status).toBe(409);
    expect(codes(late)).toEqual(['Aborted']);
  });

  it('a batch aborts by itself after its timeout: its commit is refused and its resources are free again', async () => {
    const [page] = await pagesForB();
    const id = randomUUID();
    expect((await prepare(id, page, '&timeout=1')).status).toBe(200);
    expect((await t.db('prepared_locks')).length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1100));
    const late = await decide(id, '$commit');
    expect(late.status).toBe(409);
    expect(codes(late)).toEqual(['Aborted']);
    expect(await t.db('prepared_locks')).toEqual([]);
    // The sweep (timer and server start) does the same for a batch nobody asks about.
    const other = randomUUID();
    expect((await prepare(other, page, '&timeout=1')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await abortExpiredBatches(t.db)).toBe(1);
    expect(await t.db('contexts').where({ id: other }).first()).toMatchObject({ status: 'aborted' });
    expect(await t.db('prepared_pages').where({ context_id: other })).toEqual([]);
    // And a normal page then applies them.
    const applied = await asText(request(t.app).post(pathOf(`${B}/$syncTarget`)).set('Content-Type', 'application/atom+xml;type=feed').send(page));
    expect(applied.status).toBe(200);
  });

  it('a prepared batch outlives the idle expiry of contexts until its own timeout', async () => {
    await addAccounts(1, 'Idle');
    const [page] = await pagesForB();
    const id = randomUUID();
    expect((await prepare(id, page, '&timeout=60')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    await expireContexts(t.db, 1);
    expect(await t.db('contexts').where({ id }).first()).toMatchObject({ status: 'prepared' });
    expect((await decide(id, '$commit')).status).toBe(200);
  });

  it('a second batch touching the same resources is refused with a Transient diagnosis while the first is prepared', async () => {
    await addAccounts(1, 'Held');
    const [page] = await pagesForB();
    const first = randomUUID();
    expect((await prepare(first, page)).status).toBe(200);
    const second = await prepare(randomUUID(), page);
    expect(second.status).toBe(409);
    expect(diagnosesIn(parseXml(text(second)))[0]).toMatchObject({ severity: 'Transient', applicationCode: 'PreparedBatch' });
    const plain = await asText(request(t.app).post(pathOf(`${B}/$syncTarget`)).set('Content-Type', 'application/atom+xml;type=feed').send(page));
    expect(plain.status).toBe(409);
    expect((await decide(first, '$commit')).status).toBe(200);
  });

  it('a page whose floor is above the target digest answers OutOfSync and keeps nothing', async () => {
    await addAccounts(3, 'Gap');
    const [page] = await pagesForB();
    // The floor says B has A's changes up to the last one but one: it has not.
    const ceiling = await getDigest(t.app, A);
    const floor = { entries: ceiling.entries.map((e) => (e.endpoint === A ? { ...e, tick: e.tick - 1 } : e)) };
    const gapped = withFloorDigest(page, floor);
    const id = randomUUID();
    const r = await prepare(id, gapped);
    expect(r.status).toBe(409);
    expect(codes(r)).toEqual(['OutOfSync']);
    expect(await t.db('prepared_pages').where({ context_id: id })).toEqual([]);
    expect((await decide(id, '$commit')).status).toBe(409);
  });

  it('the pages of one batch are checked in order and committed in one transaction', async () => {
    await addAccounts(5, 'Paged');
    const pages = await pagesForB(2);
    expect(pages.length).toBeGreaterThan(1);
    const id = randomUUID();
    for (const p of pages) {
      const r = await prepare(id, p);
      if (r.status !== 200) throw new Error(text(r));
    }
    expect(await t.db('prepared_pages').where({ context_id: id })).toHaveLength(pages.length);
    const commit = await decide(id, '$commit');
    expect(commit.status).toBe(200);
    expect((await getDigest(t.app, B)).entries.find((e) => e.endpoint === A)?.tick).toBe((await getDigest(t.app, A)).entries.find((e) => e.endpoint === A)?.tick);
  });

  it.each([
    ['an unknown phase', (id: string) => `${B}/$syncTarget?phase=commit&trackingID=${id}`, 400],
    ['a timeout that is not a positive integer', (id: string) => `${B}/$syncTarget?phase=prepare&timeout=-3&trackingID=${id}`, 400],
    ['a tracking ID that is not a UUID', () => `${B}/$syncTarget?phase=prepare&trackingID=nope`, 400],
  ])('refuses %s and changes nothing', async (_what, url, status) => {
    const [page] = await pagesForB();
    const before = await snapshot(t.db);
    const r = await asText(request(t.app).post(pathOf(url(randomUUID()))).set('Content-Type', 'application/atom+xml;type=feed').send(page));
    expect(r.status).toBe(status);
    expect(diagnosesIn(parseXml(text(r))).length).toBeGreaterThan(0);
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('answers 404 for a decision on an unknown batch or an unknown action', async () => {
    expect((await decide(randomUUID(), '$commit')).status).toBe(404);
    expect((await asText(request(t.app).post(pathOf(`${B}/$syncTarget('${randomUUID()}')/$undo`)))).status).toBe(404);
  });
});
