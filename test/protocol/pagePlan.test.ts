/**
 * The digest a page leaves at the target (src/protocol/pagePlan.ts#planPage, PROTOCOL.md 2.3): every page
 * moves it by the per-entry rule; only the last page (no rel="next") merges the ceiling, in both modes.
 */
import { planPage, type DecodedEntry } from '../../src/protocol/pagePlan';
import type { Diagnosis } from '../../src/protocol/diagnosis';
import type { Digest, SyncMode } from '../../src/protocol/types';
import { digest, state, T0, ticks } from '../support/protocolFixtures';

const T = 'http://t/ep';
const S = 'http://s/ep';

const entryAt = (tick: number): DecodedEntry => ({ index: tick, uuid: `u${tick}`, givenUuid: `u${tick}`, state: state(S, tick), deleted: false, values: { tick }, problems: [], raw: { tick } });
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The feed claims S's ticks [1, 11): floor (S 1), ceiling (S 11). */
const FLOOR = digest([S, 1, 3]);
const CEILING = digest([S, 11, 3]);

function sourceTickAfter(mode: SyncMode, targetS: number, entryTicks: number[], isLastPage: boolean, floor: Digest | undefined): number {
  const plan = planPage({
    page: { mode, ceiling: CEILING, floor, isLastPage, entries: entryTicks.map(entryAt) },
    targetUrl: T,
    targetPriority: 2,
    clock: 4,
    digest: digest([T, 4, 2], [S, targetS, 3]),
    now: T0,
    current: new Map(),
  });
  return ticks(plan.digest)[S];
}

describe('planPage: the target digest after a page', () => {
  it.each<[string, SyncMode, number, number[], boolean, Digest | undefined, number]>([
    ['immediate, page 1 of 2: the last applied tick + 1, not the ceiling', 'immediate', 1, range(1, 5), false, FLOOR, 6],
    ['immediate, page 2 of 2 (the last): the ceiling', 'immediate', 6, range(6, 10), true, FLOOR, 11],
    ['immediate, a last page whose later ticks were superseded: the ceiling', 'immediate', 6, [6, 7], true, FLOOR, 11],
    ['immediate, a feed of one page: the ceiling', 'immediate', 1, range(1, 10), true, FLOOR, 11],
    ['immediate, a page without entries that is not the last: nothing moves', 'immediate', 1, [], false, FLOOR, 1],
    ['immediate without a floor, the last page: the per-entry rule only', 'immediate', 1, range(1, 5), true, undefined, 6],
    ['catchUp, page 1 of 2: the last applied tick + 1', 'catchUp', 1, range(1, 5), false, FLOOR, 6],
    ['catchUp, page 2 of 2 (the last): the ceiling', 'catchUp', 6, range(6, 10), true, FLOOR, 11],
  ])('%s', (_name, mode, targetS, entryTicks, isLastPage, floor, expected) => {
    expect(sourceTickAfter(mode, targetS, entryTicks, isLastPage, floor)).toBe(expected);
  });
});

describe('planPage: what an applied or restamped version holds (PROTOCOL.md 2.7)', () => {
  const ignored: Diagnosis = { severity: 'Warning', sdataCode: 'ApplicationDiagnosis', applicationCode: 'IgnoredProperty', message: 'left out: account/note' };
  const stored = (tick: number, endpoint = S) => ({ key: 'K', uuid: 'u1', values: { name: 'Old', vatNumber: 'BE1' }, deleted: false, state: state(endpoint, tick) });
  const entry: DecodedEntry = { ...entryAt(5), uuid: 'u1', values: { name: 'New' }, warnings: [ignored] };
  const plan = (current: ReturnType<typeof stored>, targetPriority = 2) =>
    planPage({ page: { mode: 'catchUp', ceiling: CEILING, isLastPage: true, entries: [entry] }, targetUrl: T, targetPriority, clock: 4, digest: digest([T, 4, targetPriority]), now: T0, current: new Map([['u1', current]]) });

  it('an applied entry keeps the properties it does not carry, and reports what was left out of it', () => {
    const [p] = plan(stored(2)).entries;
    expect(p.outcome).toEqual({ kind: 'applied', method: 'PUT' });
    expect(p.stored?.values).toEqual({ name: 'New', vatNumber: 'BE1' });
    expect(p.diagnoses).toEqual([ignored]);
  });

  it('a conflict the feed wins restamps the merged values, and parks the target version whole', () => {
    const p = plan({ ...stored(3, T), values: { name: 'Mine', vatNumber: 'BE1' } }, 7);
    expect(p.entries[0].outcome).toMatchObject({ kind: 'conflict', winner: 'source' });
    expect(p.writes[0].values).toEqual({ name: 'New', vatNumber: 'BE1' });
    expect(p.conflicts[0].loserVersion.values).toEqual({ name: 'Mine', vatNumber: 'BE1' });
    expect(p.entries[0].diagnoses.map((d) => d.applicationCode)).toEqual(['Conflict', 'IgnoredProperty']);
  });

  it("a conflict the target wins keeps its version, and parks the feed's merged values (what $resolve would keep)", () => {
    const p = plan({ ...stored(3, T), values: { name: 'Mine', vatNumber: 'BE1' } }, 1);
    expect(p.entries[0].outcome).toMatchObject({ kind: 'conflict', winner: 'target' });
    expect(p.writes[0].values).toEqual({ name: 'Mine', vatNumber: 'BE1' });
    expect(p.conflicts[0].loserVersion.values).toEqual({ name: 'New', vatNumber: 'BE1' });
  });
});
