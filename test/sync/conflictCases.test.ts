/**
 * The five cases of PROTOCOL.md 2.2 (the SData spec's conflict table), end to end over HTTP with three
 * endpoints: N1 = crm accounts (priority 1), N2 = erp accounts (priority 2), N3 = shop accounts (priority 3).
 * Every digest and sync state below is reached by real local changes (POST and PUT on the resource URLs)
 * and by catch-up passes; then one pass N1 -> N2 is checked.
 *
 * Ticks: an endpoint's clock starts at 1, its k-th local change takes tick k, and its own digest entry is
 * its clock (the first tick not yet given out). A received change takes no local tick. So the table's
 * N1 digest (N1 6)(N2 7)(N3 9) means: N1 made 5 changes and holds N2's ticks 1-6 and N3's ticks 1-8;
 * N2 digest (N1 5)(N2 8)(N3 8): N2 made 7 changes and holds N1's ticks 1-4 and N3's ticks 1-7.
 *
 * The pass N1 -> N2 selects at N1 the resources in state (N1 5) and (N3 8) (PROTOCOL 2.1): two entries.
 * Cases a to d each need N1's tick 5 on their own resource, so they cannot share a history; case e needs
 * the (N3 8) resource and shares case a's. Four histories, each in a fresh database, run the same ten
 * steps; only which resource each tick changes differs:
 *
 *    1. N1 makes its changes 1-4                     6. pass N3 -> N1  (N1 gets N3 1-8: N1[N3] = 9)
 *    2. pass N1 -> N2  (N2 gets N1 1-4: N2[N1] = 5)   7. N2 makes its changes 1-6
 *    3. N3 makes its changes 1-7                     8. pass N2 -> N1  (N1 gets N2 1-6: N1[N2] = 7)
 *    4. pass N3 -> N2  (N2 gets N3 1-7: N2[N3] = 8)   9. N2 makes its change 7   (N2's clock: 8)
 *    5. N3 makes its change 8                       10. N1 makes its change 5   (N1's clock: 6)
 *
 * N3 never receives anything, so its passes claim only N3's own ticks; step 2 runs before N1 knows N3
 * and step 8 after N1 knows N3 up to 9, so no pass carries N3's tick 8 to N2. No step raises a conflict
 * (a restamp would take a tick). Which resource each tick changes (the first change of a resource
 * creates it with POST, later ones update it with PUT; F2 and F3 are fillers):
 *
 *    history | N1 ticks 1-4 | N1 5 | N2 ticks 1-6      | N2 7 | N3 ticks 1-7         | N3 8
 *    a + e   | A A A A      | A    | F2 F2 F2 F2 F2 F2 | E    | E E E E E E E        | E
 *    b       | R R R R      | R    | F2 F2 F2 F2 F2 R  | F2   | F3 F3 F3 F3 F3 F3 F3 | F3
 *    c       | R R R R      | R    | F2 F2 F2 F2 F2 F2 | R    | F3 F3 F3 F3 F3 F3 F3 | F3
 *    d       | F1 F1 F1 F1  | R    | F2 F2 F2 F2 F2 F2 | F2   | F3 F3 F3 F3 F3 F3 R  | F3
 *
 * So before the pass N1 -> N2:
 *    a: A at N1 (N1 5); at N2 (N1 4), from step 2.
 *    b: R at N1 (N1 5); at N2 (N2 6), which step 8 brought to N1 (rule 2: N2's digest holds N1 5 > 4)
 *       before N1 changed it again.
 *    c: R at N1 (N1 5), at N2 (N2 7): both changed the (N1 4) version of step 2, neither saw the other.
 *    d: R at N1 (N1 5), at N2 (N3 7): both got (N3 7) from N3 (steps 4 and 6); N1 changed it since.
 *    e: E at N1 (N3 8) from step 6; at N2 (N2 7): N2 changed the (N3 7) version of step 4.
 * In histories b, c and d the pass's other entry is the filler F3 moving on by rule 1 (same endpoint,
 * newer tick): (N3 8) over (N3 7), or over (N3 6) in d.
 *
 * Each resource's name property records who wrote it: "R N1#5" is the content of N1's fifth change.
 */
import { describeEachDatabase } from '../support/databases';
import { asText, openTestApp, xmlOf, type TestApp } from '../endpoint/support/app';
import { CRM, ERP, SHOP, threeAppConfig } from '../endpoint/support/testConfig';
import { account, entriesOf, entryWith, opensearch, payloadOf, prop, sdataAttr } from '../endpoint/support/xmlBodies';
import { getDigest, pathOf, syncByHand, type PassOutcome } from '../support/syncByHand';
import { NS } from '../../src/atom/namespaces';
import { child, childText, type XmlElement } from '../../src/atom/xml';
import { parseSyncFeed } from '../../src/atom/syncFeed';
import { parseSyncState } from '../../src/atom/syncEntry';
import type { ResultEntry } from '../../src/atom/resultFeed';
import type { Digest, SyncState } from '../../src/protocol/types';

type Node = 'N1' | 'N2' | 'N3';
const URL_OF: Record<Node, string> = { N1: `${CRM}/accounts`, N2: `${ERP}/accounts`, N3: `${SHOP}/accounts` };
const NODE_OF = (url: string): Node => {
  const n = (Object.keys(URL_OF) as Node[]).find((k) => URL_OF[k] === url);
  if (!n) throw new Error(`not an endpoint of these tests: ${url}`);
  return n;
};

type Plan = Record<Node, string>;

/** Which resource each local change touches, per endpoint, in tick order (the table of the header). */
const PLANS = {
  ae: { N1: 'A A A A A', N2: 'F2 F2 F2 F2 F2 F2 E', N3: 'E E E E E E E E' },
  b: { N1: 'R R R R R', N2: 'F2 F2 F2 F2 F2 R F2', N3: 'F3 F3 F3 F3 F3 F3 F3 F3' },
  c: { N1: 'R R R R R', N2: 'F2 F2 F2 F2 F2 F2 R', N3: 'F3 F3 F3 F3 F3 F3 F3 F3' },
  d: { N1: 'F1 F1 F1 F1 R', N2: 'F2 F2 F2 F2 F2 F2 F2', N3: 'F3 F3 F3 F3 F3 F3 R F3' },
} satisfies Record<string, Plan>;

type Row = [Node, number, number];

/** A digest as [endpoint, tick, priority] rows, in endpoint order. */
function rowsOf(d: Digest): Row[] {
  return d.entries.map((e): Row => [NODE_OF(e.endpoint), e.tick, e.conflictPriority]).sort((x, y) => x[0].localeCompare(y[0]));
}

const TABLE_N1: Row[] = [
  ['N1', 6, 1],
  ['N2', 7, 2],
  ['N3', 9, 3],
];
const TABLE_N2: Row[] = [
  ['N1', 5, 1],
  ['N2', 8, 2],
  ['N3', 8, 3],
];
/** N2's digest after the pass: N1's ceiling merged in; `own` is N2's clock (9 after a restamp). */
const after = (own: number): Row[] => [
  ['N1', 6, 1],
  ['N2', own, 2],
  ['N3', 9, 3],
];

const at = (s: SyncState): [Node, number] => [NODE_OF(s.endpoint), s.tick];

/** One history over a fresh database: local changes over HTTP, passes by hand. */
class History {
  /** Resource name -> UUID. */
  private readonly uuids = new Map<string, string>();
  private readonly made: Record<Node, number> = { N1: 0, N2: 0, N3: 0 };

  constructor(
    readonly t: TestApp,
    private readonly plan: Plan,
  ) {}

  /** The endpoint's next `n` local changes from the plan. */
  async changes(node: Node, n: number): Promise<void> {
    for (let i = 0; i < n; i++) await this.change(node, this.plan[node].split(' ')[this.made[node]]);
  }

  /** One local change: POST creates a resource no endpoint has yet, else GET and PUT with If-Match. */
  async change(node: Node, resource: string): Promise<void> {
    this.made[node] += 1;
    const body = entryWith(account(`<name>${resource} ${node}#${this.made[node]}</name>`));
    const uuid = this.uuids.get(resource);
    if (!uuid) {
      const made = await asText(this.t.http().post(pathOf(URL_OF[node])).send(body)).expect(201);
      this.uuids.set(resource, sdataAttr(payloadOf(xmlOf(made)), 'uuid')!);
      return;
    }
    const url = pathOf(await this.urlAt(node, resource));
    const current = await asText(this.t.http().get(url)).expect(200);
    await asText(this.t.http().put(url).set('If-Match', current.headers.etag).send(body)).expect(200);
  }

  /** The resource's URL at an endpoint, `{ep}('K')`, found by UUID in the resource feed. */
  async urlAt(node: Node, resource: string): Promise<string> {
    const list = await asText(this.t.http().get(`${pathOf(URL_OF[node])}?includeUuid=true&count=100`)).expect(200);
    const found = entriesOf(xmlOf(list)).map(payloadOf).find((p) => sdataAttr(p, 'uuid') === this.uuid(resource));
    if (!found) throw new Error(`${node} has no ${resource}`);
    return `${URL_OF[node]}('${sdataAttr(found, 'key')}')`;
  }

  /** The name property of a resource at an endpoint, read over HTTP. */
  async nameAt(node: Node, resource: string): Promise<string | undefined> {
    const res = await asText(this.t.http().get(pathOf(await this.urlAt(node, resource)))).expect(200);
    return prop(payloadOf(xmlOf(res)), 'name');
  }

  /** The sync state stored with a resource at an endpoint (read from the database). */
  async stateAt(node: Node, resource: string): Promise<SyncState> {
    const row = await this.t.db('resources').where({ endpoint_id: this.t.endpointId(URL_OF[node]), uuid: this.uuid(resource) }).first();
    if (!row) throw new Error(`${node} has no ${resource}`);
    return { endpoint: row.state_endpoint, tick: Number(row.state_tick), stamp: new Date(row.state_stamp).toISOString() };
  }

  uuid(resource: string): string {
    const u = this.uuids.get(resource);
    if (!u) throw new Error(`no resource ${resource}`);
    return u;
  }

  async pass(source: Node, target: Node, runName = `setup ${source} -> ${target}`): Promise<PassOutcome> {
    const out = await syncByHand(this.t.app, URL_OF[source], URL_OF[target], { runName });
    expect(out.completed).toBe(true);
    // No setup pass conflicts or fails: a conflict would take a tick at the target.
    for (const r of out.results) expect(r.diagnoses).toEqual([]);
    return out;
  }

  /** Steps 1-10 of the header. */
  async build(): Promise<void> {
    await this.changes('N1', 4);
    await this.pass('N1', 'N2');
    await this.changes('N3', 7);
    await this.pass('N3', 'N2');
    await this.changes('N3', 1);
    await this.pass('N3', 'N1');
    await this.changes('N2', 6);
    await this.pass('N2', 'N1');
    await this.changes('N2', 1);
    await this.changes('N1', 1);
  }

  async digest(node: Node): Promise<Row[]> {
    return rowsOf(await getDigest(this.t.app, URL_OF[node]));
  }

  /** GET `{node}/$conflicts`: the parked conflicts. */
  async conflicts(node: Node): Promise<{ total: number; entries: XmlElement[] }> {
    const feed = xmlOf(await asText(this.t.http().get(pathOf(`${URL_OF[node]}/$conflicts`))).expect(200));
    return { total: opensearch(feed, 'totalResults'), entries: entriesOf(feed) };
  }
}

/** What a history holds just before the pass N1 -> N2, and what that pass did. */
interface CaseRun {
  h: History;
  /** Sync states before the pass, by endpoint and resource. */
  before: Record<'N1' | 'N2', Record<string, SyncState>>;
  pass: PassOutcome;
  /** The entries of the page N1 sent: UUID -> [endpoint, tick]. */
  sent: Map<string | undefined, [Node, number]>;
  /** The result-feed entry of a resource. */
  result(resource: string): ResultEntry;
}

/** Builds a history, checks it holds the table's digests, runs the pass N1 -> N2 (one page). */
async function runHistory(t: TestApp, plan: Plan, resources: string[]): Promise<CaseRun> {
  const h = new History(t, plan);
  await h.build();

  expect(await h.digest('N1')).toEqual(TABLE_N1);
  expect(await h.digest('N2')).toEqual(TABLE_N2);
  for (const n of ['N1', 'N2', 'N3'] as Node[]) expect((await h.conflicts(n)).total).toBe(0);
  const before: CaseRun['before'] = { N1: {}, N2: {} };
  for (const r of resources) {
    before.N1[r] = await h.stateAt('N1', r);
    before.N2[r] = await h.stateAt('N2', r);
  }

  const pass = await syncByHand(t.app, URL_OF.N1, URL_OF.N2, { runName: 'the table' });
  expect(pass).toMatchObject({ completed: true, pages: 1 });
  // Selection (2.1) with the table's digests as ceiling and floor.
  const page = parseSyncFeed(pass.pageBodies[0]);
  expect(rowsOf(page.ceiling!)).toEqual(TABLE_N1);
  expect(rowsOf(page.floor!).map(([n, tick]) => [n, tick])).toEqual(TABLE_N2.map(([n, tick]) => [n, tick]));
  const sent = new Map(page.entries.map((e) => [e.uuid, at(e.state)]));
  expect(pass.results).toHaveLength(page.entries.length);

  return {
    h,
    before,
    pass,
    sent,
    result(resource) {
      const found = pass.results.filter((r) => r.uuid === h.uuid(resource));
      expect(found).toHaveLength(1);
      return found[0];
    },
  };
}

/** An entry applied without conflict: PUT 200, and N2 now holds N1's version with N1's sync state (no restamp). */
async function expectApplied(run: CaseRun, resource: string, name: string): Promise<void> {
  const { h } = run;
  expect(run.result(resource)).toMatchObject({ httpStatus: 200, httpMethod: 'PUT', diagnoses: [], location: await h.urlAt('N2', resource) });
  expect(await h.nameAt('N2', resource)).toBe(name);
  expect(await h.stateAt('N2', resource)).toEqual(run.before.N1[resource]);
}

/** An entry that conflicted: PUT 200 with one Conflict diagnosis that gives the reason. */
async function expectConflict(run: CaseRun, resource: string): Promise<void> {
  const r = run.result(resource);
  expect(r).toMatchObject({ httpStatus: 200, httpMethod: 'PUT', location: await run.h.urlAt('N2', resource) });
  expect(r.diagnoses.map((d) => d.applicationCode)).toEqual(['Conflict']);
  expect(['Info', 'Warning']).toContain(r.diagnoses[0].severity);
  expect(r.diagnoses[0].message).toMatch(/priority/);
}

/** The one parked conflict at N2, as `$conflicts` lists it. */
async function parkedAtN2(run: CaseRun) {
  const { total, entries } = await run.h.conflicts('N2');
  expect(total).toBe(1);
  const c = child(entries[0], NS.x, 'conflict');
  const version = (tag: string) => {
    const v = child(c, NS.x, tag)!;
    const { state } = parseSyncState(child(v, NS.sync, 'syncState')!, tag);
    return { state: at(state), stamp: state.stamp, name: prop(payloadOf(v), 'name') };
  };
  return {
    uuid: childText(c, NS.x, 'uuid'),
    status: childText(c, NS.x, 'status'),
    winner: childText(c, NS.x, 'winner'),
    runName: childText(c, NS.x, 'runName'),
    winnerVersion: version('winnerVersion'),
    loserVersion: version('loserVersion'),
  };
}

/** The restamped version descends from both sides: a pass N2 -> N1 brings it to N1 without a new conflict. */
async function expectRestampTravels(run: CaseRun, resource: string, name: string): Promise<void> {
  const { h } = run;
  const restamped = await h.stateAt('N2', resource);
  const back = await h.pass('N2', 'N1', 'back');
  expect(back.results.filter((x) => x.uuid === h.uuid(resource))).toMatchObject([{ httpStatus: 200, httpMethod: 'PUT', diagnoses: [] }]);
  expect(await h.stateAt('N1', resource)).toEqual(restamped);
  expect(await h.nameAt('N1', resource)).toBe(name);
  expect((await h.conflicts('N1')).total).toBe(0);
}

/**
 * A conflict N2 resolved: the winning content restamped as N2's next local change (tick 8) with the winning
 * version's own stamp, the losing version parked, and the restamp reaching N1 with no new conflict.
 */
async function expectResolvedConflict(run: CaseRun, resource: string, winner: 'source' | 'target', names: { winner: string; loser: string }): Promise<void> {
  const { h, before } = run;
  const [win, lose] = winner === 'source' ? [before.N1[resource], before.N2[resource]] : [before.N2[resource], before.N1[resource]];
  await expectConflict(run, resource);
  expect(await h.nameAt('N2', resource)).toBe(names.winner);
  expect(await h.stateAt('N2', resource)).toEqual({ endpoint: URL_OF.N2, tick: 8, stamp: win.stamp });
  expect(await h.digest('N2')).toEqual(after(9));
  expect(await parkedAtN2(run)).toEqual({
    uuid: h.uuid(resource),
    status: 'open',
    winner,
    runName: 'the table',
    winnerVersion: { state: at(win), stamp: win.stamp, name: names.winner },
    loserVersion: { state: at(lose), stamp: lose.stamp, name: names.loser },
  });
  await expectRestampTravels(run, resource, names.winner);
}

describeEachDatabase('the five cases of the conflict table (PROTOCOL.md 2.2), three endpoints over HTTP', (tdb) => {
  describe('cases a and e (one history)', () => {
    let run: CaseRun;
    beforeAll(async () => {
      run = await runHistory(await openTestApp(tdb, threeAppConfig()), PLANS.ae, ['A', 'E']);
      expect(run.sent.size).toBe(2);
    });

    it('a: N1 (N1 5) against N2 (N1 4): no conflict, rule 1 applies N1’s version; nothing is parked for it', async () => {
      expect([at(run.before.N1.A), at(run.before.N2.A)]).toEqual([
        ['N1', 5],
        ['N1', 4],
      ]);
      expect(run.sent.get(run.h.uuid('A'))).toEqual(['N1', 5]);
      await expectApplied(run, 'A', 'A N1#5');
      expect(await run.h.digest('N2')).toEqual(after(9)); // 9: case e's restamp in the same page
      expect((await parkedAtN2(run)).uuid).toBe(run.h.uuid('E'));
    });

    it('e: N1 (N3 8) against N2 (N2 7): conflict, N2’s version wins on priority 2 < 3 (SData 5.4); N2 restamps it and parks N1’s', async () => {
      const { h, before } = run;
      expect([at(before.N1.E), at(before.N2.E)]).toEqual([
        ['N3', 8],
        ['N2', 7],
      ]);
      expect(run.sent.get(h.uuid('E'))).toEqual(['N3', 8]);
      // N2's own version wins and is restamped with the stamp of its change 7; N1's is parked.
      await expectResolvedConflict(run, 'E', 'target', { winner: 'E N2#7', loser: 'E N3#8' });
    });
  });

  /** Histories b, c and d: the case's resource R, and the filler F3 applied by rule 1. */
  async function runWithFiller(plan: Plan, f3Before: [Node, number]): Promise<CaseRun> {
    const run = await runHistory(await openTestApp(tdb, threeAppConfig()), plan, ['R', 'F3']);
    expect(run.sent.size).toBe(2);
    expect(run.sent.get(run.h.uuid('R'))).toEqual(['N1', 5]);
    expect(run.sent.get(run.h.uuid('F3'))).toEqual(['N3', 8]);
    expect([at(run.before.N1.F3), at(run.before.N2.F3)]).toEqual([['N3', 8], f3Before]);
    await expectApplied(run, 'F3', 'F3 N3#8');
    return run;
  }

  it('b: N1 (N1 5) against N2 (N2 6): no conflict, rule 2 (N1 has N2 up to 7 > 6) applies N1’s version; nothing is parked', async () => {
    const run = await runWithFiller(PLANS.b, ['N3', 7]);
    expect([at(run.before.N1.R), at(run.before.N2.R)]).toEqual([
      ['N1', 5],
      ['N2', 6],
    ]);
    await expectApplied(run, 'R', 'R N1#5');
    expect(await run.h.digest('N2')).toEqual(after(8));
    expect((await run.h.conflicts('N2')).total).toBe(0);
  });

  it('c: N1 (N1 5) against N2 (N2 7): conflict, N1 wins on priority 1 < 2; N2 restamps it and parks its own version', async () => {
    const run = await runWithFiller(PLANS.c, ['N3', 7]);
    const { before } = run;
    expect([at(before.N1.R), at(before.N2.R)]).toEqual([
      ['N1', 5],
      ['N2', 7],
    ]);
    // N1's content wins and is restamped at N2 with the stamp of N1's change; N2's own version is parked.
    await expectResolvedConflict(run, 'R', 'source', { winner: 'R N1#5', loser: 'R N2#7' });
  });

  it('d: N1 (N1 5) against N2 (N3 7): no conflict, rule 2 (N1 has N3 up to 9 > 7) applies N1’s version; nothing is parked', async () => {
    const run = await runWithFiller(PLANS.d, ['N3', 6]);
    expect([at(run.before.N1.R), at(run.before.N2.R)]).toEqual([
      ['N1', 5],
      ['N3', 7],
    ]);
    await expectApplied(run, 'R', 'R N1#5');
    expect(await run.h.digest('N2')).toEqual(after(8));
    expect((await run.h.conflicts('N2')).total).toBe(0);
  });
});
