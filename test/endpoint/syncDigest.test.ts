/** `{ep}/$syncDigest` GET and PUT (PROTOCOL.md 3.2). */
import { describeEachDatabase } from '../support/databases';
import { NS } from '../../src/atom/namespaces';
import { parseDigestDocument } from '../../src/atom/digestXml';
import { asText, openTestApp, snapshot, xmlOf, type TestApp } from './support/app';
import { CRM, ERP } from './support/testConfig';
import { entryWith } from './support/xmlBodies';

const ACCOUNTS = `${CRM}/accounts`;
const path = `/sdata/crm/test/-/accounts/$syncDigest`;

function digestEntryXml(endpoint: string, tick: number, priority: number, stamp = '2026-03-01T10:00:00.000Z'): string {
  return `<sync:digestEntry><sync:endpoint>${endpoint}</sync:endpoint><sync:tick>${tick}</sync:tick><sync:stamp>${stamp}</sync:stamp><sync:conflictPriority>${priority}</sync:conflictPriority></sync:digestEntry>`;
}

function digestDocument(entries: string[]): string {
  return `<entry xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}" xmlns:sync="${NS.sync}"><sdata:payload><sync:digest><sync:origin>${ACCOUNTS}</sync:origin>${entries.join('')}</sync:digest></sdata:payload></entry>`;
}

describeEachDatabase('$syncDigest', (tdb) => {
  let t: TestApp;
  const read = async () => parseDigestDocument(xmlOf(await asText(t.http().get(path)).expect(200)));

  beforeAll(async () => {
    t = await openTestApp(tdb);
  });

  it("answers the endpoint's own entry from its clock, which every local change moves", async () => {
    const d0 = await read();
    expect(d0.origin).toBe(ACCOUNTS);
    expect(d0.entries).toEqual([{ endpoint: ACCOUNTS, tick: 1, stamp: expect.any(String), conflictPriority: 1 }]);
    await t.http().post('/sdata/crm/test/-/accounts').send(entryWith('<account xmlns="urn:sdata-sync:demo"><name>x</name></account>')).expect(201);
    const d1 = await read();
    expect(d1.entries[0].tick).toBe(2);
    expect(Date.parse(d1.entries[0].stamp)).toBeGreaterThanOrEqual(Date.parse(d0.entries[0].stamp));
  });

  it('PUT replaces the other entries and the priorities, never lowers the own tick, and answers the new digest', async () => {
    const other = `${ERP}/accounts`;
    const third = 'http://third.test/sdata/x/test/-/accounts';
    const res = await asText(t.http().put(path).send(digestDocument([digestEntryXml(ACCOUNTS, 1, 4), digestEntryXml(other, 17, 2), digestEntryXml(third, 3, 9)]))).expect(200);
    const answered = parseDigestDocument(xmlOf(res));
    expect(answered.entries.map((e) => [e.endpoint, e.tick, e.conflictPriority])).toEqual([
      [ACCOUNTS, 2, 4],
      [other, 17, 2],
      [third, 3, 9],
    ]);
    expect(answered.entries[1].stamp).toBe('2026-03-01T10:00:00.000Z');
    expect(await read()).toEqual(answered);

    // Leaving an endpoint out forgets it; a lower tick for another endpoint is the administrator's to set.
    await t.http().put(path).send(digestDocument([digestEntryXml(other, 5, 3)])).expect(200);
    expect((await read()).entries.map((e) => [e.endpoint, e.tick, e.conflictPriority])).toEqual([
      [ACCOUNTS, 2, 4],
      [other, 5, 3],
    ]);
  });

  it('refuses a tick the endpoint never gave out, changing nothing', async () => {
    const before = await snapshot(t.db);
    await asText(t.http().put(path).send(digestDocument([digestEntryXml(ACCOUNTS, 3, 1), digestEntryXml(`${ERP}/accounts`, 1, 1)]))).expect(400);
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('GET takes no body and no parameters; other methods are refused', async () => {
    await t.http().get(`${path}?count=3`).expect(400);
    const res = await t.http().post(path).send('<x/>').expect(405);
    expect(res.headers.allow).toBe('GET, PUT');
  });
});
