/**
 * Sync pages applied at a partition (PROTOCOL.md 2.9): an entry whose values fall in another partition is
 * stored there as a change of that partition and departs from the one the page was posted to (whose feed
 * then serves its targets a delete); the page's partition's digest moves for the entry as usual; an entry
 * falling in no partition is quarantined with a NoPartition diagnosis.
 */
import { describeEachDatabase } from '../support/databases';
import { asText, openTestApp, type TestApp } from '../endpoint/support/app';
import { getDigest, pathOf, syncByHand } from '../support/syncByHand';
import { accountEntry, ERP_DE, ERP_FR, HQ, HQ_DE, HQ_FR, partitionConfig } from './support';
import { tickOf } from '../../src/protocol/digest';

const ATOM_ENTRY = 'application/atom+xml;type=entry';

interface Row {
  local_key: string;
  uuid: string;
  deleted: boolean;
  payload: Record<string, unknown>;
  state_endpoint: string;
  state_tick: number;
}

describeEachDatabase('pages applied at a partition', (tdb) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await openTestApp(tdb, partitionConfig());
  });

  const rowsOf = async (url: string): Promise<Row[]> => t.db('resources').where({ endpoint_id: t.endpointId(url) }).select('local_key', 'uuid', 'deleted', 'payload', 'state_endpoint', 'state_tick');
  const conflicts = async () => Number((await t.db('conflicts').count<{ n: string }[]>({ n: '*' }))[0].n);
  const failures = async () => (await t.db('failures').select('status', 'diagnosis')) as { status: string; diagnosis: unknown }[];
  const put = (url: string, key: string, values: Parameters<typeof accountEntry>[0]) => asText(t.http().put(pathOf(`${url}('${key}')`)).set('Content-Type', ATOM_ENTRY).send(accountEntry(values)));
  const post = (url: string, values: Parameters<typeof accountEntry>[0]) => asText(t.http().post(pathOf(url)).set('Content-Type', ATOM_ENTRY).send(accountEntry(values)));

  it('stores an entry falling in DE, posted to FR, in DE, and FR serves the French ERP its departure', async () => {
    expect((await post(HQ, { name: 'Maison', country: 'FR' })).status).toBe(201);
    await syncByHand(t.app, HQ_FR, ERP_FR);
    const [erp] = await rowsOf(ERP_FR);
    const [before] = await rowsOf(HQ_FR);
    // The French ERP says the account is German now.
    expect((await put(ERP_FR, erp.local_key, { name: 'Maison', country: 'DE' })).status).toBe(200);
    const [changed] = await rowsOf(ERP_FR);
    const deClock = tickOf(await getDigest(t.app, HQ_DE), HQ_DE, 1);

    const pass = await syncByHand(t.app, ERP_FR, HQ_FR);
    expect(pass.results.map((r) => r.httpStatus)).toEqual([200]);

    // Live in DE as a change of DE (its next tick), same UUID and key; departed from FR (a new tick of FR).
    const [de] = await rowsOf(HQ_DE);
    expect([de.uuid, de.local_key, de.deleted, de.payload.country, de.state_endpoint, Number(de.state_tick)]).toEqual([before.uuid, before.local_key, false, 'DE', HQ_DE, deClock]);
    const [fr] = await rowsOf(HQ_FR);
    expect([fr.uuid, fr.deleted, fr.state_endpoint]).toEqual([before.uuid, true, HQ_FR]);
    expect(Number(fr.state_tick)).toBeGreaterThan(Number(before.state_tick));
    // Digests: FR took the French ERP's change (its entry past the change's tick), DE's clock moved by one.
    expect(tickOf(await getDigest(t.app, HQ_FR), ERP_FR, 1)).toBe(Number(changed.state_tick) + 1);
    expect(tickOf(await getDigest(t.app, HQ_DE), HQ_DE, 1)).toBe(deClock + 1);
    expect(tickOf(await getDigest(t.app, HQ_FR), HQ_FR, 1)).toBe(Number(fr.state_tick) + 1);

    // FR serves the French ERP a delete it takes without a conflict; DE serves the German ERP the account.
    const toFr = await syncByHand(t.app, HQ_FR, ERP_FR);
    expect(toFr.results.map((r) => [r.httpMethod, r.httpStatus])).toEqual([['DELETE', 200]]);
    expect((await rowsOf(ERP_FR)).map((r) => r.deleted)).toEqual([true]);
    await syncByHand(t.app, HQ_DE, ERP_DE);
    expect((await rowsOf(ERP_DE)).map((r) => [r.uuid, r.deleted, r.payload.country])).toEqual([[before.uuid, false, 'DE']]);
    expect(await conflicts()).toBe(0);
    // Nothing moves any more, either way.
    for (const [s, d] of [[ERP_FR, HQ_FR], [ERP_DE, HQ_DE], [HQ_FR, ERP_FR], [HQ_DE, ERP_DE]]) {
      expect((await syncByHand(t.app, s, d)).results.filter((r) => r.httpStatus !== 304)).toEqual([]);
    }
  });

  it('stores a new account the French ERP created as German in DE, and FR tells the French ERP it is not its', async () => {
    expect((await post(ERP_FR, { name: 'Haus', country: 'DE' })).status).toBe(201);
    await syncByHand(t.app, ERP_FR, HQ_FR);
    const [erp] = await rowsOf(ERP_FR);
    expect((await rowsOf(HQ_DE)).map((r) => [r.uuid, r.deleted])).toEqual([[erp.uuid, false]]);
    expect((await rowsOf(HQ_FR)).map((r) => [r.uuid, r.deleted])).toEqual([[erp.uuid, true]]);
    await syncByHand(t.app, HQ_FR, ERP_FR);
    expect((await rowsOf(ERP_FR)).map((r) => r.deleted)).toEqual([true]);
    expect(await conflicts()).toBe(0);
  });

  it('quarantines an entry falling in no partition, the rest of the page applied', async () => {
    expect((await post(ERP_FR, { name: 'Casa', country: 'IT' })).status).toBe(201);
    expect((await post(ERP_FR, { name: 'Chez', country: 'FR' })).status).toBe(201);
    const pass = await syncByHand(t.app, ERP_FR, HQ_FR);
    expect(pass.results.map((r) => r.httpStatus).sort()).toEqual([201, 422]);
    expect((await rowsOf(HQ_FR)).map((r) => r.payload.name)).toEqual(['Chez']);
    expect(await rowsOf(HQ_DE)).toEqual([]);
    const [failure] = await failures();
    expect(JSON.stringify(failure.diagnosis)).toContain('NoPartition');
    // The partition's own listings show it (its where names the partition, not a filter of the listing).
    const listing = async (service: string, url: string) => {
      const res = await asText(t.http().get(pathOf(url.replace('?', `/${service}?`))).set('Accept', 'application/json'));
      expect(res.status).toBe(200);
      return JSON.parse(res.body as string) as { $totalResults: number; $resources: { $url?: string }[] };
    };
    const fr = await listing('$failures', HQ_FR);
    expect(fr.$totalResults).toBe(1);
    expect(JSON.stringify(fr.$resources[0])).toContain('NoPartition');
    expect((await listing('$failures', HQ_DE)).$totalResults).toBe(0);
    expect((await listing('$conflicts', HQ_FR)).$totalResults).toBe(0);
    // Kept whole: tried again, it is refused for the same reason (its payload was kept with it).
    const retried = await asText(t.http().post(pathOf(HQ_FR.replace('?', `/$failures('${(fr.$resources[0] as { $key: string }).$key}')/$retry?`))).set('Accept', 'application/json'));
    expect(retried.status).toBe(200);
    const [again] = await failures();
    expect([again.status, JSON.stringify(again.diagnosis)]).toEqual(['open', expect.stringContaining('NoPartition')]);
  });

  it('allocates keys kind-wide, for local creates and for resources a page creates', async () => {
    const postKeyed = (key: string, values: Parameters<typeof accountEntry>[0]) => asText(t.http().post(pathOf(HQ)).set('Content-Type', ATOM_ENTRY).send(accountEntry(values, { key })));
    expect((await postKeyed('1', { name: 'Given', country: 'DE' })).status).toBe(201);
    expect((await post(ERP_FR, { name: 'Remote', country: 'FR' })).status).toBe(201);
    await syncByHand(t.app, ERP_FR, HQ_FR);
    expect((await postKeyed('3', { name: 'Given too', country: 'FR' })).status).toBe(201);
    expect((await post(HQ, { name: 'Allocated', country: 'DE' })).status).toBe(201);
    const rows = [...(await rowsOf(HQ_FR)), ...(await rowsOf(HQ_DE))];
    expect(Object.fromEntries(rows.map((r) => [r.payload.name, r.local_key]))).toEqual({ Given: '1', Remote: '2', 'Given too': '3', Allocated: '4' });
  });
});
