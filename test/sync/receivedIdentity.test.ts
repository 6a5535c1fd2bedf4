/**
 * Integrity of a received sync page (issue: a page whose two entries carry the same sdata:uuid merged two
 * resources into one, and the next such page was a 500 showing the SQL). A page that names one UUID twice
 * is refused whole (400 DuplicateUuid) and changes nothing; an entry whose UUID is not a UUID, or is the nil
 * UUID (it names no resource), is quarantined alone with an InvalidUuid diagnosis. A page that would give a
 * resource the sync state (endpoint, tick) another resource holds, at the target or in the same page, is
 * refused whole (400 DuplicateSyncState; before, the unique index answered a 500).
 */
import request from 'supertest';
import { describeEachDatabase } from '../support/databases';
import { asText, openTestApp, snapshot, type TestApp } from '../endpoint/support/app';
import { CRM, ERP } from '../endpoint/support/testConfig';
import { getDigestXml, pathOf, syncByHand } from '../support/syncByHand';
import { diagnosesIn } from '../../src/atom/diagnosisXml';
import { parseResultFeed } from '../../src/atom/resultFeed';
import { parseXml } from '../../src/atom/xml';
import { createResources } from '../../src/store/resources';

const A = `${CRM}/accounts`;
const B = `${ERP}/accounts`;
const NIL = '00000000-0000-0000-0000-000000000000';

/** Replaces the sdata:uuid of the page's entries, in order, by the given values. */
function withUuids(page: string, uuids: string[]): string {
  let i = 0;
  return page.replace(/sdata:uuid="[^"]*"/g, (m) => (i < uuids.length ? `sdata:uuid="${uuids[i++]}"` : m));
}

const post = (t: TestApp, url: string, body: string) => asText(request(t.app).post(pathOf(url)).set('Content-Type', 'application/atom+xml').send(body));
const postPage = (t: TestApp, body: string) => post(t, `${B}/$syncTarget?trackingID=${crypto.randomUUID()}`, body);

describeEachDatabase('identity of the entries of a received sync page', (tdb) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(tdb);
  });

  /** erp brought up to date, then two new accounts at crm, and the page of what erp lacks: those two. */
  async function freshPage(): Promise<string> {
    await syncByHand(t.app, A, B);
    const e = t.runtime.catalog.endpoints.find((x) => x.url === A)!;
    await t.db.transaction((trx) => createResources(trx, { id: e.id, url: e.url, keys: e.def.keys }, [{ values: { name: 'First account' } }, { values: { name: 'Second account' } }]));
    const page = (await post(t, `${A}/$syncSource`, await getDigestXml(t.app, B))).body as string;
    expect((page.match(/<entry>/g) ?? []).length).toBe(2);
    return page;
  }

  it.each([
    ['the nil UUID on two different accounts', [NIL, NIL]],
    ['one valid UUID on two different accounts', ['1b4e28ba-2fa1-11d2-883f-0016d3cca427', '1B4E28BA-2FA1-11D2-883F-0016D3CCA427']],
  ])('refuses a page naming %s (400 DuplicateUuid), twice in a row, and changes nothing', async (_name, uuids) => {
    const page = await freshPage();
    const before = await snapshot(t.db);
    for (let i = 0; i < 2; i++) {
      const r = await postPage(t, withUuids(page, uuids));
      expect(r.status).toBe(400);
      const [d] = diagnosesIn(parseXml(r.body as string));
      expect(d.applicationCode).toBe('DuplicateUuid');
      expect(d.message).toContain(uuids[0].toLowerCase());
      expect(d.payloadPath).toBe('entry[2]/payload');
    }
    expect(await snapshot(t.db)).toEqual(before);
  });

  it.each([
    ['not a UUID', 'not-a-uuid'],
    ['the nil UUID', NIL],
  ])('quarantines alone an entry whose UUID is %s, with an InvalidUuid diagnosis; the other entry is applied', async (_name, bad) => {
    const good = crypto.randomUUID();
    const r = await postPage(t, withUuids(await freshPage(), [bad, good]));
    expect(r.status).toBe(200);
    const results = parseResultFeed(r.body as string).entries;
    expect(results.map((e) => e.httpStatus)).toEqual([422, 201]);
    expect(results[0].diagnoses[0].applicationCode).toBe('InvalidUuid');
    expect(results[0].diagnoses[0].message).toContain(bad);
    const stored = await t.db('resources').where({ endpoint_id: t.endpointId(B) }).select('uuid');
    expect(stored.map((s: { uuid: string }) => s.uuid)).toContain(good);
    expect(stored.map((s: { uuid: string }) => s.uuid)).not.toContain(NIL);
  });

  /** Gives every entry of the page the sync state tick of its first entry. */
  const withFirstTick = (page: string): string => {
    const first = /<sync:tick>(\d+)<\/sync:tick>/.exec(page)![1];
    return page.replace(/<sync:tick>\d+<\/sync:tick>/g, `<sync:tick>${first}</sync:tick>`);
  };

  it('refuses a page whose two resources carry one sync state (400 DuplicateSyncState) and changes nothing', async () => {
    const page = withFirstTick(await freshPage());
    const before = await snapshot(t.db);
    const r = await postPage(t, page);
    expect(r.status).toBe(400);
    const [d] = diagnosesIn(parseXml(r.body as string));
    expect(d.applicationCode).toBe('DuplicateSyncState');
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('refuses a page giving a new resource the sync state a stored resource holds (400 DuplicateSyncState), twice in a row', async () => {
    const applied = await freshPage();
    expect((await postPage(t, applied)).status).toBe(200);
    // The same page under new UUIDs: the same states, held now by the resources just applied.
    const page = withUuids(applied, [crypto.randomUUID(), crypto.randomUUID()]);
    const before = await snapshot(t.db);
    for (let i = 0; i < 2; i++) {
      const r = await postPage(t, page);
      expect(r.status).toBe(400);
      const [d] = diagnosesIn(parseXml(r.body as string));
      expect(d.applicationCode).toBe('DuplicateSyncState');
      expect(d.message).not.toMatch(/insert into|select /i);
    }
    expect(await snapshot(t.db)).toEqual(before);
  });
});
