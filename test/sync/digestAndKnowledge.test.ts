/**
 * Digests, floors and per-version knowledge over HTTP with three endpoints of one kind (crm, erp and shop,
 * conflict priorities 1, 2 and 3), every state reached through the resource API and sync passes:
 *
 *   1. the worked example of PROTOCOL.md 2.3 (the per-entry rule, then the end-of-feed merge of the claims);
 *   2. a pass cut after its first page (2.5): an older ancestor arriving later from a third endpoint is
 *      recognised as older thanks to the knowledge stored with the version, and a version whose knowledge
 *      goes beyond a feed's ceiling carries `x:knowledge`;
 *   3. a catch-up feed whose floor is above the target's digest (2.4): applied, the gapped endpoint's tick
 *      not moved, a Warning in the result feed; the next catch-up pass closes the gap.
 *
 * Ticks: a digest entry (X t) means "has every change of X with tick < t"; an endpoint's own entry is its
 * clock, which starts at 1 and moves up by one with each local create, update or delete.
 */
import request from 'supertest';
import type { Express } from 'express';
import { describeEachDatabase } from '../support/databases';
import { asText, openTestApp, type TestApp } from '../endpoint/support/app';
import { CRM, ERP, SHOP, threeAppConfig } from '../endpoint/support/testConfig';
import { entryWith, opensearch, payloadOf, prop, sdataAttr } from '../endpoint/support/xmlBodies';
import { getDigest, pathOf, syncByHand, syncUntilQuiet, type PassOptions } from '../support/syncByHand';
import { NS } from '../../src/atom/namespaces';
import { child, childrenNamed, parseXml, type XmlElement } from '../../src/atom/xml';
import { parseSyncFeed } from '../../src/atom/syncFeed';
import { parseDigestElement, digestEntryDocument } from '../../src/atom/digestXml';
import { parseResultFeed } from '../../src/atom/resultFeed';
import type { Digest } from '../../src/protocol/types';

/** The crm, erp and shop endpoints of a kind. */
const endpointsOf = (kind: string) => ({ C: `${CRM}/${kind}`, E: `${ERP}/${kind}`, S: `${SHOP}/${kind}` });

/**
 * Each test has its own kind, so one database serves the three and every test starts from fresh clocks:
 * the resource's label is `name` (accounts), `firstName` (contacts) or `number` (orders).
 */
const LABEL: Record<string, { element: string; field: string }> = {
  accounts: { element: 'account', field: 'name' },
  contacts: { element: 'contact', field: 'firstName' },
  orders: { element: 'order', field: 'number' },
};
const labelOf = (ep: string) => LABEL[ep.slice(ep.lastIndexOf('/') + 1)];
const body = (ep: string, label: string) => {
  const { element, field } = labelOf(ep);
  return entryWith(`<${element} xmlns="urn:sdata-sync:demo"><${field}>${label}</${field}></${element}>`);
};
const labelIn = (ep: string, payload: XmlElement) => prop(payload, labelOf(ep).field);

/** POST a new resource labelled `label` at `ep` (one local tick); answers its local key. */
async function create(app: Express, ep: string, label: string): Promise<string> {
  const res = await asText(request(app).post(pathOf(ep)).set('Content-Type', 'application/atom+xml;type=entry').send(body(ep, label)));
  expect(res.status).toBe(201);
  return sdataAttr(payloadOf(parseXml(res.body as string)), 'key')!;
}

/** PUT a new label on the resource labelled `from` at `ep` (one local tick). */
async function rename(app: Express, ep: string, from: string, to: string): Promise<void> {
  const { key } = (await resources(app, ep)).get(from)!;
  const res = await asText(request(app).put(pathOf(`${ep}('${key}')`)).set('Content-Type', 'application/atom+xml;type=entry').send(body(ep, to)));
  expect(res.status).toBe(200);
}

/** The live resources of `ep` by label: local key and UUID. */
async function resources(app: Express, ep: string): Promise<Map<string, { key: string; uuid?: string }>> {
  const res = await asText(request(app).get(pathOf(`${ep}?count=500&includeUuid=true`)));
  expect(res.status).toBe(200);
  const feed = parseXml(res.body as string);
  return new Map(childrenNamed(feed, NS.atom, 'entry').map((e) => [labelIn(ep, payloadOf(e))!, { key: sdataAttr(payloadOf(e), 'key')!, uuid: sdataAttr(payloadOf(e), 'uuid') }]));
}

/** The label of the resource with this UUID at `ep`, if it has one. */
async function labelByUuid(app: Express, ep: string, uuid: string): Promise<string | undefined> {
  for (const [label, r] of await resources(app, ep)) if (r.uuid === uuid) return label;
  return undefined;
}

/** How many conflicts `ep` lists at `$conflicts`. */
async function conflictCount(app: Express, ep: string): Promise<number> {
  const res = await asText(request(app).get(pathOf(`${ep}/$conflicts`)));
  expect(res.status).toBe(200);
  return opensearch(parseXml(res.body as string), 'totalResults');
}

/** A digest as endpoint -> tick. */
function ticks(d: Digest | undefined): Record<string, number> {
  return Object.fromEntries((d?.entries ?? []).map((e) => [e.endpoint, e.tick]));
}

/** The `x:knowledge` element of each entry of a raw sync feed page, matched by namespace (undefined when absent). */
function knowledgeElements(pageXml: string): (XmlElement | undefined)[] {
  return childrenNamed(parseXml(pageXml), NS.atom, 'entry').map((e) => child(child(e, NS.sync, 'syncState'), NS.x, 'knowledge'));
}

async function pass(app: Express, source: string, target: string, opts: PassOptions = {}) {
  const out = await syncByHand(app, source, target, opts);
  if (opts.stopAfterPages === undefined) expect(out.completed).toBe(true);
  return out;
}

describeEachDatabase('digests, floors and knowledge over HTTP, three endpoints', (tdb) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(tdb, threeAppConfig());
  });

  it('PROTOCOL.md 2.3 worked example: target (app1 5)(app2 11)(app3 8), feed (app1 5)(app3 8), ceiling (app1 6)(app2 10)(app3 10) -> (app1 6)(app2 11)(app3 10)', async () => {
    // app1 = crm (the source), app2 = erp (the target), app3 = shop.
    const { C, E, S } = endpointsOf('accounts');
    const app = t.app;
    for (let i = 1; i <= 7; i++) await create(app, S, `shop ${i}`); // shop ticks 1..7
    for (let i = 1; i <= 4; i++) await create(app, C, `crm ${i}`); // crm ticks 1..4
    await pass(app, S, E); // erp: (shop 8)
    await pass(app, C, E); // erp: (crm 5)
    for (let i = 1; i <= 9; i++) await create(app, E, `erp ${i}`); // erp ticks 1..9
    await pass(app, E, C); // crm: (erp 10), and (shop 8) from erp's digest
    await create(app, E, 'erp 10'); // erp tick 10: crm has not seen it
    await create(app, S, 'shop 8'); // shop tick 8
    await create(app, S, 'shop 9'); // shop tick 9
    await pass(app, S, C); // crm: (shop 10)
    // crm changes shop's tick 9: crm holds that resource with state (crm 5) and no (shop 9) any more.
    await rename(app, C, 'shop 9', 'shop 9, changed at crm'); // crm tick 5

    expect(ticks(await getDigest(app, E))).toEqual({ [E]: 11, [C]: 5, [S]: 8 });
    expect(ticks(await getDigest(app, C))).toEqual({ [C]: 6, [E]: 10, [S]: 10 });

    const out = await pass(app, C, E);
    // One page, the last one (no rel="next"), so the end-of-feed merge runs on it.
    expect(out.pages).toBe(1);
    const page = parseSyncFeed(out.pageBodies[0]);
    expect(page.next).toBeUndefined();
    expect(page.mode).toBe('catchUp');
    expect(ticks(page.floor)).toEqual({ [E]: 11, [C]: 5, [S]: 8 });
    expect(ticks(page.ceiling)).toEqual({ [C]: 6, [E]: 10, [S]: 10 });
    expect(page.entries.map((e) => [e.state.endpoint, e.state.tick, labelIn(C, e.payload!)])).toEqual([
      [C, 5, 'shop 9, changed at crm'],
      [S, 8, 'shop 8'],
    ]);
    expect(out.results.map((r) => [r.httpStatus, r.httpMethod])).toEqual([
      [201, 'POST'],
      [201, 'POST'],
    ]);

    // Per entry: crm 5 -> 6, shop 8 -> 9. End of feed: the claims crm [5,6) and shop [8,10) are contiguous,
    // so crm = max(6, 6) and shop = max(9, 10) = 10 (only the merge gives 10: no entry of shop 9 was sent);
    // erp claims nothing (floor 11 >= ceiling 10) and the target's own entry stays 11.
    const after = await getDigest(app, E);
    expect(ticks(after)).toEqual({ [E]: 11, [C]: 6, [S]: 10 });
    expect(after.entries).toHaveLength(3);
    expect(Object.fromEntries(after.entries.map((e) => [e.endpoint, e.conflictPriority]))).toEqual({ [C]: 1, [E]: 2, [S]: 3 });
    const atErp = await resources(app, E);
    expect(atErp.has('shop 9, changed at crm')).toBe(true);
    expect(atErp.has('shop 8')).toBe(true);
    expect(atErp.has('shop 9')).toBe(false);
  });

  it('a pass cut after its first page: an older ancestor arriving later from a third endpoint is recognised by the stored knowledge; x:knowledge goes out when it exceeds the ceiling', async () => {
    const { C, E, S } = endpointsOf('contacts');
    const app = t.app;
    await create(app, C, 'V1'); // (crm 1)
    await pass(app, C, E); // erp: V1 at (crm 1), digest (crm 2)
    await rename(app, E, 'V1', 'V2'); // (erp 1), descends from V1
    await create(app, E, 'filler'); // (erp 2): makes the feed to shop two pages of one entry
    const uuid = (await resources(app, E)).get('V2')!.uuid!;

    // erp -> shop, cut after page 1. Ceiling (erp 3)(crm 2); the crm range holds nothing (V1 became V2).
    const cut = await pass(app, E, S, { count: 1, stopAfterPages: 1 });
    expect(cut.pages).toBe(1);
    expect(cut.completed).toBe(false);
    const first = parseSyncFeed(cut.pageBodies[0]);
    expect(first.next).toBeDefined();
    expect(ticks(first.ceiling)).toEqual({ [E]: 3, [C]: 2 });
    expect(first.entries.map((e) => [e.state.endpoint, e.state.tick, e.uuid])).toEqual([[E, 1, uuid]]);
    // No merge ran: shop's digest does not cover crm, so only V2's knowledge (erp's ceiling) says V2 descends from (crm 1).
    expect(ticks(await getDigest(app, S))).toEqual({ [S]: 1, [E]: 2 });

    // V1, the older ancestor, arrives from crm, which never saw V2. Rule 1 does not apply (crm vs erp),
    // rule 2 does not (crm's digest knows no erp); rule 3 with shop's digest merged with V2's knowledge
    // (crm 2 > 1) says shop has already seen V1: ignored, no conflict.
    // Without the knowledge, shop's digest has no crm entry, so rule 3 fails and rule 4 raises a conflict
    // that crm wins on priority 1 < 2: V1 would overwrite V2 and V2 be parked at $conflicts. The three
    // expectations below would then fail (status 200 with a Conflict diagnosis, one conflict, name V1).
    const late = await pass(app, C, S);
    expect(late.results).toHaveLength(1);
    expect(late.results[0].uuid).toBe(uuid);
    expect(late.results[0].httpStatus).toBe(304);
    expect(late.results[0].diagnoses.map((d) => d.applicationCode)).toEqual(['Skipped']);
    expect(await conflictCount(app, S)).toBe(0);
    expect(await labelByUuid(app, S, uuid)).toBe('V2');
    expect(ticks(await getDigest(app, S))).toEqual({ [S]: 1, [E]: 2, [C]: 2 });

    // shop -> crm: shop's ceiling is (shop 1)(erp 2)(crm 2), V2's knowledge (erp 3)(crm 2) exceeds it on erp,
    // so the entry carries x:knowledge inside sync:syncState.
    const onward = await pass(app, S, C);
    const sent = parseSyncFeed(onward.pageBodies[0]);
    expect(ticks(sent.ceiling)).toEqual({ [S]: 1, [E]: 2, [C]: 2 });
    expect(sent.entries.map((e) => [e.state.endpoint, e.state.tick, e.uuid])).toEqual([[E, 1, uuid]]);
    const [k] = knowledgeElements(onward.pageBodies[0]);
    expect(k).toBeDefined();
    expect(k!.ns).toBe(NS.x);
    expect(ticks(parseDigestElement(k!))).toEqual({ [E]: 3, [C]: 2 });
    expect(onward.results.map((r) => [r.httpStatus, r.diagnoses.map((d) => d.applicationCode)])).toEqual([[200, []]]);
    expect(await labelByUuid(app, C, uuid)).toBe('V2');
    expect(await conflictCount(app, C)).toBe(0);

    // The rest moves without a conflict anywhere and every endpoint ends with V2 and the filler.
    await syncUntilQuiet(app, [C, E, S]);
    for (const ep of [C, E, S]) {
      expect(await conflictCount(app, ep)).toBe(0);
      expect([...(await resources(app, ep)).keys()].sort()).toEqual(['V2', 'filler']);
    }
    // Once shop's digest covers V2's knowledge, shop's feeds carry no x:knowledge for it.
    const settled = await asText(request(app).post(pathOf(`${S}/$syncSource?trackingID=${crypto.randomUUID()}`)).set('Content-Type', 'application/atom+xml;type=entry').send(digestEntryDocument({ origin: C, entries: [] }, C, new Date().toISOString())));
    expect(settled.status).toBe(200);
    expect(parseSyncFeed(settled.body as string).entries.map((e) => e.uuid)).toContain(uuid);
    expect(knowledgeElements(settled.body as string).every((x) => x === undefined)).toBe(true);
    expect(settled.headers.location).toBeUndefined(); // it fit in one page: no context to delete
  });

  it('a catch-up feed whose floor is above the target digest for crm: entries applied, crm not moved, a Warning; the next pass closes the gap', async () => {
    // With our own endpoints a feed's floor is the digest the target had when the engine read it, and
    // digest ticks only go up, so a gap needs the target's digest to go down after it was read: here an
    // administrator puts back an older digest with PUT $syncDigest (as after restoring the endpoint from
    // a backup, PROTOCOL.md 2.4) between the engine's GET $syncDigest and its POST $syncSource. The page
    // is posted as erp sent it.
    const { C, E, S } = endpointsOf('orders');
    const app = t.app;
    await create(app, C, 'v1'); // (crm 1)
    await pass(app, C, S); // shop: v1, (crm 2)
    await pass(app, C, E); // erp: v1, (crm 2)
    await rename(app, C, 'v1', 'v2'); // (crm 2)
    await pass(app, C, S); // shop: v2, (crm 3)
    await rename(app, C, 'v2', 'v3'); // (crm 3)
    await pass(app, C, E); // erp: v3, (crm 4); erp never held (crm 2): it was superseded before reaching erp
    const uuid = (await resources(app, E)).get('v3')!.uuid!;
    expect(ticks(await getDigest(app, S))).toEqual({ [S]: 1, [C]: 3 });

    const restore = async (n: number) => {
      if (n !== 0) return;
      // shop's digest as it was before it got crm's tick 2.
      const d = await getDigest(app, S);
      const older = { ...d, entries: d.entries.map((e) => (e.endpoint === C ? { ...e, tick: 2 } : e)) };
      const put = await asText(request(app).put(pathOf(`${S}/$syncDigest`)).set('Content-Type', 'application/atom+xml;type=entry').send(digestEntryDocument(older, S, new Date().toISOString())));
      expect(put.status).toBe(200);
      expect(ticks(await getDigest(app, S))).toEqual({ [S]: 1, [C]: 2 });
    };
    const gapped = await pass(app, E, S, { beforePage: restore });
    expect(gapped.pages).toBe(1);
    const page = parseSyncFeed(gapped.pageBodies[0]);
    expect(page.mode).toBe('catchUp');
    expect(page.next).toBeUndefined();
    // The floor claims shop has crm up to 3; shop's digest now says 2: crm's tick 2 is missing and erp
    // does not hold it.
    expect(ticks(page.floor)).toEqual({ [S]: 1, [C]: 3 });
    expect(ticks(page.ceiling)).toEqual({ [E]: 1, [C]: 4 });
    expect(page.entries.map((e) => [e.state.endpoint, e.state.tick, e.uuid])).toEqual([[C, 3, uuid]]);

    // Applied (rule 1: crm 3 > crm 2) ...
    expect(gapped.results.map((r) => [r.uuid, r.httpStatus, r.httpMethod])).toEqual([[uuid, 200, 'PUT']]);
    expect(await labelByUuid(app, S, uuid)).toBe('v3');
    // ... but crm is not moved, neither by the entry (crm 3 -> 4) nor by the merge (ceiling crm 4).
    expect(ticks(await getDigest(app, S))).toEqual({ [S]: 1, [C]: 2 });
    const result = parseResultFeed(gapped.resultBodies[0]);
    expect(result.diagnoses).toHaveLength(1);
    expect(result.diagnoses![0]).toMatchObject({ severity: 'Warning', sdataCode: 'ApplicationDiagnosis', applicationCode: 'SyncGap' });
    expect(result.diagnoses![0].message).toContain(C);
    expect(await conflictCount(app, S)).toBe(0);

    // The next catch-up pass from crm starts at shop's real digest (crm 2): contiguous, no warning, closes the gap.
    const closing = await pass(app, C, S);
    expect(ticks(parseSyncFeed(closing.pageBodies[0]).floor)).toEqual({ [S]: 1, [C]: 2 });
    expect(closing.results.map((r) => [r.uuid, r.httpStatus])).toEqual([[uuid, 304]]);
    expect(parseResultFeed(closing.resultBodies[0]).diagnoses).toBeUndefined();
    expect(ticks(await getDigest(app, S))).toEqual({ [S]: 1, [C]: 4 });
  });
});
