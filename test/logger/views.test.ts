/** The logger's pure views: routes (lag, seconds since success), the digest matrix, alert conditions and the alerts panel. */
import { alertRuleSchema, type AlertRule } from '../../src/config/engineSchema';
import { conditionOf } from '../../src/logger/alertRules';
import { Alerting } from '../../src/logger/alerting';
import { digestMatrix } from '../../src/logger/digestMatrix';
import { endpointsOfRun, routeViews, type RouteView } from '../../src/logger/routeViews';
import type { LatestRun } from '../../src/logger/records';
import type { Digest } from '../../src/protocol/types';

const A = 'http://a/sdata/a/test/-/accounts';
const B = 'http://b/sdata/b/test/-/accounts';
const C = 'http://c/sdata/c/test/-/accounts';
const STAMP = '2026-12-01T10:00:00.000Z';
const digest = (ticks: Record<string, number>): Digest => ({ entries: Object.entries(ticks).map(([endpoint, tick]) => ({ endpoint, tick, stamp: STAMP, conflictPriority: 5 })) });

function run(over: Partial<LatestRun> = {}): LatestRun {
  return {
    id: 1, runName: 'r', runStamp: STAMP, source: A, target: B, kind: 'accounts', state: 'done', startedAt: STAMP, lastReceivedAt: STAMP,
    durationSeconds: 0, pages: 1, entriesRead: 3, entriesWritten: 3, created: 3, updated: 0, deleted: 0, failed: 0, conflicts: 0, skipped: 0, ...over,
  };
}

describe('routeViews', () => {
  const now = new Date('2026-12-01T10:01:40.000Z');

  it('gives the lag in ticks from both digests, and the seconds since the last done run', () => {
    const [v] = routeViews([run({ lastSuccessAt: STAMP })], new Map([[A, digest({ [A]: 12 })], [B, digest({ [A]: 9, [B]: 4 })]]), now);
    expect(v).toMatchObject({ source: A, target: B, kind: 'accounts', lagTicks: 3, secondsSinceSuccess: 100, lastRun: { state: 'done', created: 3 } });
  });

  it('leaves the lag unknown while a digest is not read, and the age unknown before a run is done', () => {
    const [v] = routeViews([run({ state: 'failed' })], new Map([[A, digest({ [A]: 12 })]]), now);
    expect(v.lagTicks).toBeUndefined();
    expect(v.secondsSinceSuccess).toBeUndefined();
  });

  it('keeps a failed application-level record (its kinds could not be read) until a kind of that route runs after it', () => {
    const app = (u: string) => u.slice(0, u.lastIndexOf('/'));
    const failed = run({ id: 2, source: app(A), target: app(B), kind: '', state: 'failed', startedAt: '2026-12-01T10:00:10.000Z' });
    const before = run({ id: 1, startedAt: '2026-12-01T10:00:00.000Z' });
    expect(routeViews([failed, before], new Map(), now).map((v) => [v.kind, v.lastRun.state])).toEqual([['', 'failed'], ['accounts', 'done']]);
    const after = run({ id: 3, startedAt: '2026-12-01T10:00:20.000Z' });
    expect(routeViews([failed, after], new Map(), now).map((v) => [v.kind, v.lastRun.state])).toEqual([['accounts', 'done']]);
    // A kind of another pair of applications does not stand for it.
    const elsewhere = run({ id: 4, source: A, target: C, startedAt: '2026-12-01T10:00:20.000Z' });
    expect(routeViews([failed, elsewhere], new Map(), now).map((v) => v.kind)).toEqual(['', 'accounts']);
  });

  it('names the endpoints of a run, a distribution\'s targets each', () => {
    expect(endpointsOfRun({ source: A, target: `${B} ${C}` })).toEqual([A, B, C]);
  });
});

describe('digestMatrix', () => {
  it('has a row per digest read and a column per endpoint known; cells behind the column endpoint are marked', () => {
    const m = digestMatrix(new Map([[A, digest({ [A]: 10, [B]: 4 })], [B, digest({ [A]: 7, [B]: 4, [C]: 2 })]]));
    expect(m.columns).toEqual([A, B, C]);
    expect(m.rows).toEqual([
      { endpoint: A, cells: [{ tick: 10, behindBy: 0 }, { tick: 4, behindBy: 0 }, null] },
      // B lacks 3 of A's ticks; C's own digest is not read: unknown, not marked.
      { endpoint: B, cells: [{ tick: 7, behindBy: 3 }, { tick: 4, behindBy: 0 }, { tick: 2 }] },
    ]);
  });
});

describe('alert rules in configuration', () => {
  it.each([
    [{ name: 'both', when: 'routeBehind', ticks: 1, seconds: 1 }],
    [{ name: 'neither', when: 'routeBehind' }],
    [{ name: 'bad name!', when: 'passFailed' }],
    [{ name: 'x', when: 'sometimes' }],
  ])('refuses %j', (r) => {
    expect(alertRuleSchema.safeParse(r).success).toBe(false);
  });
});

describe('conditionOf', () => {
  const view = (over: Partial<RouteView> = {}): RouteView => ({ ...routeViews([run()], new Map(), new Date(STAMP))[0], ...over });
  const rule = (r: Record<string, unknown>): AlertRule => alertRuleSchema.parse({ name: 'x', ...r });

  it.each<[string, AlertRule, Partial<RouteView>, { openConflictsAtTarget?: number; postedConflicts?: boolean }, boolean | undefined]>([
    ['behind by more than N ticks', rule({ when: 'routeBehind', ticks: 2 }), { lagTicks: 3 }, {}, true],
    ['behind by exactly N ticks is not', rule({ when: 'routeBehind', ticks: 2 }), { lagTicks: 2 }, {}, false],
    ['lag unknown', rule({ when: 'routeBehind', ticks: 2 }), {}, {}, undefined],
    ['more than M seconds since the last done run', rule({ when: 'routeBehind', seconds: 60 }), { secondsSinceSuccess: 61 }, {}, true],
    ['within M seconds', rule({ when: 'routeBehind', seconds: 60 }), { secondsSinceSuccess: 60 }, {}, false],
    ['no run done yet: no age to tell', rule({ when: 'routeBehind', seconds: 60 }), {}, {}, undefined],
    ['the latest run failed', rule({ when: 'passFailed' }), { lastRun: { ...view().lastRun, state: 'failed' } }, {}, true],
    ['the latest run is done', rule({ when: 'passFailed' }), {}, {}, false],
    ['open conflicts at the target', rule({ when: 'newConflict' }), {}, { openConflictsAtTarget: 1 }, true],
    ['none open', rule({ when: 'newConflict' }), {}, { openConflictsAtTarget: 0 }, false],
    ['a run just reported conflicts', rule({ when: 'newConflict' }), {}, { openConflictsAtTarget: 0, postedConflicts: true }, true],
    ['conflicts never read', rule({ when: 'newConflict' }), {}, {}, undefined],
  ])('%s', (_name, r, over, facts, holds) => {
    expect(conditionOf(r, { route: view(over), ...facts }).holds).toBe(holds);
  });
});

describe("the alerts panel", () => {
  const view = (over: Partial<RouteView> = {}): RouteView => ({ ...routeViews([run()], new Map(), new Date(STAMP))[0], ...over });

  it('lists a firing episode as open until it recovers; every post among the recent ones, newest first', () => {
    const alerting = new Alerting([alertRuleSchema.parse({ name: 'behind', when: 'routeBehind', ticks: 0 })], () => 'http://logger', () => undefined);
    alerting.evaluate([{ route: view({ lagTicks: 3 }) }], new Date('2026-12-01T10:00:00.000Z'));
    alerting.evaluate([{ route: view({ lagTicks: 2 }) }], new Date('2026-12-01T10:00:10.000Z'));
    let panel = alerting.panel();
    expect(panel.open.map((p) => [p.alert.name, p.alert.state, p.alert.value, p.at])).toEqual([['behind', 'firing', 3, '2026-12-01T10:00:00.000Z']]);
    expect(panel.recent).toHaveLength(1);
    alerting.evaluate([{ route: view({ lagTicks: 0 }) }], new Date('2026-12-01T10:00:20.000Z'));
    panel = alerting.panel();
    expect(panel.open).toEqual([]);
    expect(panel.recent.map((p) => p.alert.state)).toEqual(['recovered', 'firing']);
    // A route no longer listed leaves no open alert behind.
    alerting.evaluate([{ route: view({ lagTicks: 5 }) }]);
    alerting.evaluate([]);
    expect(alerting.panel().open).toEqual([]);
  });
});
