/**
 * Immediate pushes at the target (PROTOCOL.md 2.4, 6): a feed selected with `$syncSource?syncMode=immediate`
 * from the floor the engine last knew. Contiguous claims: applied, and the digest moves to the ceiling. A
 * floor above the target's digest: 400 SyncGap, nothing changed.
 */
import request from 'supertest';
import { describeEachDatabase } from '../support/databases';
import { asText, openTestApp, snapshot, type TestApp } from '../endpoint/support/app';
import { CRM, ERP } from '../endpoint/support/testConfig';
import { getDigest, pathOf } from '../support/syncByHand';
import { digestEntryDocument } from '../../src/atom/digestXml';
import { diagnosesIn } from '../../src/atom/diagnosisXml';
import { parseXml } from '../../src/atom/xml';
import { parseResultFeed } from '../../src/atom/resultFeed';
import { tickOf } from '../../src/protocol/digest';
import type { Digest } from '../../src/protocol/types';
import { createResources } from '../../src/store/resources';

const A = `${CRM}/accounts`;
const B = `${ERP}/accounts`;

describeEachDatabase('immediate pushes at $syncTarget', (tdb) => {
  let t: TestApp;
  const local = (url: string) => {
    const e = t.runtime.catalog.endpoints.find((x) => x.url === url)!;
    return { id: e.id, url: e.url, keys: e.def.keys };
  };
  const create = (names: string[]) => t.db.transaction((trx) => createResources(trx, local(A), names.map((name) => ({ values: { name } }))));
  /** A's feed from `floor`, selected as an immediate push. */
  const push = async (floor: Digest) => {
    const r = await asText(request(t.app).post(pathOf(`${A}/$syncSource?syncMode=immediate`)).set('Content-Type', 'application/atom+xml').send(digestEntryDocument(floor, B, new Date().toISOString()))).expect(200);
    return r.body as string;
  };
  const post = (page: string) => asText(request(t.app).post(pathOf(`${B}/$syncTarget`)).set('Content-Type', 'application/atom+xml').send(page));

  beforeAll(async () => {
    t = await openTestApp(tdb);
  });

  it('applies a contiguous push and moves the digest to its ceiling; the next push from that ceiling is contiguous too', async () => {
    await create(['One', 'Two']);
    const floor = await getDigest(t.app, B);
    const page = await push(floor);
    expect(page).toContain('<sync:syncMode>immediate</sync:syncMode>');
    const r = await post(page);
    expect(r.status).toBe(200);
    expect(parseResultFeed(r.body as string).entries.map((e) => e.httpStatus)).toEqual([201, 201]);
    const after = await getDigest(t.app, B);
    const clockA = tickOf(await getDigest(t.app, A), A, 0);
    expect(tickOf(after, A, 0)).toBe(clockA);
    // The engine does not read B again: its floor is the last ceiling.
    await create(['Three']);
    const next = await post(await push(after));
    expect(next.status).toBe(200);
    expect(parseResultFeed(next.body as string).entries.map((e) => e.httpStatus)).toEqual([201]);
    expect(tickOf(await getDigest(t.app, B), A, 0)).toBe(clockA + 1);
  });

  it('refuses a push whose floor is above the target digest with 400 SyncGap and changes nothing', async () => {
    const real = await getDigest(t.app, B);
    await create(['Four', 'Five']); // B lacks both; the floor claims B has Four already
    const claimed: Digest = { ...real, entries: real.entries.map((e) => (e.endpoint === A ? { ...e, tick: e.tick + 1 } : e)) };
    const page = await push(claimed);
    const before = await snapshot(t.db);
    const r = await post(page);
    expect(r.status).toBe(400);
    expect(diagnosesIn(parseXml(r.body as string)).map((d) => d.applicationCode)).toContain('SyncGap');
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('refuses a syncMode that is neither catchUp nor immediate', async () => {
    const r = await asText(request(t.app).post(pathOf(`${A}/$syncSource?syncMode=sometimes`)).set('Content-Type', 'application/atom+xml').send(digestEntryDocument(await getDigest(t.app, B), B, new Date().toISOString())));
    expect(r.status).toBe(400);
    expect(r.body as string).toContain('BadQueryParameter');
  });
});
