/** A planned page after its storage refused some writes (src/protocol/refusedWrites.ts): table-driven. */
import type { Diagnosis } from '../../src/protocol/diagnosis';
import { planPage, type DecodedEntry, type PagePlan, type StoredVersion } from '../../src/protocol/pagePlan';
import { withRefusedWrites } from '../../src/protocol/refusedWrites';
import type { SyncState } from '../../src/protocol/types';

const T = 'http://t/ep';
const S = 'http://s/ep';
const NOW = '2026-01-01T00:00:00.000Z';
const state = (endpoint: string, tick: number): SyncState => ({ endpoint, tick, stamp: NOW });
const entry = (index: number, uuid: string, tick: number, values: unknown = { name: uuid }): DecodedEntry => ({ index, uuid, givenUuid: uuid, state: state(S, tick), deleted: false, values, problems: [], raw: { index } });
const refusal = (message: string): Diagnosis[] => [{ severity: 'Error', sdataCode: 'ApplicationDiagnosis', applicationCode: 'CheckViolation', message }];

/** a: new (applied), b: changed at both ends (conflict, the feed wins), c: new (applied). */
function plan(): PagePlan {
  const current = new Map<string, StoredVersion>([['b', { key: '2', uuid: 'b', values: { name: 'mine' }, deleted: false, state: state(T, 1) }]]);
  const ceiling = { entries: [{ endpoint: S, tick: 4, stamp: NOW, conflictPriority: 1 }] };
  const digest = { entries: [{ endpoint: T, tick: 2, stamp: NOW, conflictPriority: 2 }] };
  return planPage({ page: { mode: 'catchUp', ceiling, isLastPage: true, entries: [entry(1, 'a', 1), entry(2, 'b', 2), entry(3, 'c', 3)] }, targetUrl: T, targetPriority: 2, clock: 2, digest, now: NOW, current });
}

describe('withRefusedWrites', () => {
  const planned = plan();

  it('the fixture plans an apply, a conflict the feed wins, and an apply', () => {
    expect(planned.entries.map((p) => p.outcome.kind)).toEqual(['applied', 'conflict', 'applied']);
    expect(planned.conflicts.map((c) => c.uuid)).toEqual(['b']);
  });

  it.each<[string, string[], string[], string[], string[]]>([
    ['nothing refused', [], ['applied', 'conflict', 'applied'], ['a', 'b', 'c'], ['b']],
    ['an applied entry refused', ['a'], ['quarantined', 'conflict', 'applied'], ['b', 'c'], ['b']],
    ['a conflict winner refused: no conflict is parked', ['b'], ['applied', 'quarantined', 'applied'], ['a', 'c'], []],
    ['every entry refused', ['a', 'b', 'c'], ['quarantined', 'quarantined', 'quarantined'], [], []],
  ])('%s', (_what, refused, outcomes, writes, conflicts) => {
    const after = withRefusedWrites(planned, new Map(refused.map((u) => [u, refusal(`row ${u} refused`)])));
    expect(after.entries.map((p) => p.outcome.kind)).toEqual(outcomes);
    expect(after.writes.map((w) => w.uuid)).toEqual(writes);
    expect(after.conflicts.map((c) => c.uuid)).toEqual(conflicts);
    for (const p of after.entries.filter((e) => refused.includes(e.entry.uuid!))) {
      expect(p.diagnoses).toEqual(refusal(`row ${p.entry.uuid} refused`));
      expect(p.stored).toBeUndefined();
    }
    // The digest and clock move as planned: a quarantined entry moves the digest like any other.
    expect(after.digest).toEqual(planned.digest);
    expect(after.clock).toBe(planned.clock);
  });
});
