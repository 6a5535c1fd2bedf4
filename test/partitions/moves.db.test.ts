/**
 * Moves between partitions (PROTOCOL.md 2.9), over HTTP with the engine played by hand: an account whose
 * country changes from FR to DE (through the kind URL, or through the FR partition's URL) departs from FR,
 * whose feed serves the French ERP a delete, and arrives in DE, whose feed serves the German ERP the
 * account, with no conflict anywhere; one live row per UUID and per key across the partitions, always.
 */
import { describeEachDatabase } from '../support/databases';
import { asText, openTestApp, type TestApp } from '../endpoint/support/app';
import { pathOf, syncByHand } from '../support/syncByHand';
import { accountEntry, ERP_DE, ERP_FR, HQ, HQ_DE, HQ_FR, partitionConfig } from './support';

const ATOM_ENTRY = 'application/atom+xml;type=entry';

interface Row {
  local_key: string;
  uuid: string;
  deleted: boolean;
  payload: Record<string, unknown>;
  state_endpoint: string;
}

describeEachDatabase('moves between partitions', (tdb) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await openTestApp(tdb, partitionConfig());
  });

  const rowsOf = async (url: string): Promise<Row[]> => t.db('resources').where({ endpoint_id: t.endpointId(url) }).select('local_key', 'uuid', 'deleted', 'payload', 'state_endpoint');
  const liveHolders = async (uuid: string) => (await t.db('resources').whereIn('endpoint_id', [t.endpointId(HQ_FR), t.endpointId(HQ_DE), t.endpointId(HQ)]).where({ uuid, deleted: false }).select('endpoint_id')).map((r: { endpoint_id: number }) => r.endpoint_id);
  const conflicts = async () => Number((await t.db('conflicts').count<{ n: string }[]>({ n: '*' }))[0].n);

  /** An FR account at HQ, synced to the French ERP; its key and UUID. */
  async function frenchAccount(): Promise<{ key: string; uuid: string }> {
    const res = await asText(t.http().post(pathOf(HQ)).set('Content-Type', ATOM_ENTRY).send(accountEntry({ name: 'Maison', country: 'FR' })));
    expect(res.status).toBe(201);
    const [row] = await rowsOf(HQ_FR);
    await syncByHand(t.app, HQ_FR, ERP_FR);
    await syncByHand(t.app, HQ_DE, ERP_DE);
    expect((await rowsOf(ERP_FR)).map((r) => [r.uuid, r.deleted])).toEqual([[row.uuid, false]]);
    expect(await rowsOf(ERP_DE)).toEqual([]);
    return { key: row.local_key, uuid: row.uuid };
  }

  async function expectMoved({ key, uuid }: { key: string; uuid: string }) {
    // HQ: a departure in FR (a tombstone of FR's own), the account live in DE under the same key and UUID.
    const [fr] = await rowsOf(HQ_FR);
    expect([fr.uuid, fr.local_key, fr.deleted, fr.state_endpoint]).toEqual([uuid, key, true, HQ_FR]);
    const [de] = await rowsOf(HQ_DE);
    expect([de.uuid, de.local_key, de.deleted, de.state_endpoint, de.payload.country]).toEqual([uuid, key, false, HQ_DE, 'DE']);
    expect(await liveHolders(uuid)).toEqual([t.endpointId(HQ_DE)]);
    // The kind URL finds it by key, in DE.
    const one = await asText(t.http().get(pathOf(`${HQ}('${key}')`)));
    expect(one.status).toBe(200);
    expect(one.body as string).toContain('<country>DE</country>');

    const toFr = await syncByHand(t.app, HQ_FR, ERP_FR);
    expect(toFr.results.map((r) => [r.httpMethod, r.httpStatus])).toEqual([['DELETE', 200]]);
    expect((await rowsOf(ERP_FR)).map((r) => [r.uuid, r.deleted])).toEqual([[uuid, true]]);
    const toDe = await syncByHand(t.app, HQ_DE, ERP_DE);
    expect(toDe.results.map((r) => r.httpStatus)).toEqual([201]);
    expect((await rowsOf(ERP_DE)).map((r) => [r.uuid, r.deleted, r.payload.country])).toEqual([[uuid, false, 'DE']]);
    // Back the other way, nothing moves and nothing conflicts.
    for (const [s, d] of [[ERP_FR, HQ_FR], [ERP_DE, HQ_DE]]) {
      const back = await syncByHand(t.app, s, d);
      expect(back.results.filter((r) => r.httpStatus !== 304)).toEqual([]);
    }
    expect(await conflicts()).toBe(0);
    expect(await liveHolders(uuid)).toEqual([t.endpointId(HQ_DE)]);
  }

  it('moves an account FR -> DE updated through the kind URL', async () => {
    const account = await frenchAccount();
    const res = await asText(t.http().put(pathOf(`${HQ}('${account.key}')`)).set('Content-Type', ATOM_ENTRY).send(accountEntry({ name: 'Maison', country: 'DE' })));
    expect(res.status).toBe(200);
    await expectMoved(account);
  });

  it('moves an account FR -> DE updated through the FR partition URL', async () => {
    const account = await frenchAccount();
    const res = await asText(
      t.http().put(`${new URL(HQ).pathname}('${account.key}')?where=${encodeURIComponent("country eq 'FR'")}`).set('Content-Type', ATOM_ENTRY).send(accountEntry({ name: 'Maison', country: 'DE' })),
    );
    expect(res.status).toBe(200);
    await expectMoved(account);
  });

  it('moves it back DE -> FR, reviving the FR tombstone, and the French ERP gets it again', async () => {
    const account = await frenchAccount();
    for (const country of ['DE', 'FR']) {
      const res = await asText(t.http().put(pathOf(`${HQ}('${account.key}')`)).set('Content-Type', ATOM_ENTRY).send(accountEntry({ name: 'Maison', country })));
      expect(res.status).toBe(200);
    }
    expect(await liveHolders(account.uuid)).toEqual([t.endpointId(HQ_FR)]);
    expect((await rowsOf(HQ_DE)).map((r) => [r.uuid, r.deleted])).toEqual([[account.uuid, true]]);
    await syncByHand(t.app, HQ_FR, ERP_FR);
    await syncByHand(t.app, HQ_DE, ERP_DE);
    expect((await rowsOf(ERP_FR)).map((r) => [r.uuid, r.deleted])).toEqual([[account.uuid, false]]);
    // The German ERP never had it: DE's departure leaves it a tombstone only (2.2), nothing live.
    expect((await rowsOf(ERP_DE)).filter((r) => !r.deleted)).toEqual([]);
    expect(await conflicts()).toBe(0);
  });

  it('deletes through the kind URL in the partition holding the resource', async () => {
    const account = await frenchAccount();
    expect((await t.http().delete(pathOf(`${HQ}('${account.key}')`))).status).toBe(200);
    expect((await rowsOf(HQ_FR)).map((r) => r.deleted)).toEqual([true]);
    const toFr = await syncByHand(t.app, HQ_FR, ERP_FR);
    expect(toFr.results.map((r) => r.httpMethod)).toEqual(['DELETE']);
  });
});
