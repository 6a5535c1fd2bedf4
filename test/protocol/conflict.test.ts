/** Conflict detection and resolution (PROTOCOL.md 2.2, src/protocol/conflict.ts). */
import {
  compareStamps,
  decide,
  restampedState,
  sourceKnowledgeDigest,
  targetKnowledgeDigest,
  type Decision,
} from '../../src/protocol/conflict';
import type { Digest, SyncState } from '../../src/protocol/types';
import { digest, stampAt, state, T0, ticks } from '../support/protocolFixtures';

type Expected = Pick<Decision, 'outcome'> & { rule?: number; winner?: 'source' | 'target'; by?: string; reasonHas?: string };

function expectDecision(actual: Decision, expected: Expected): void {
  const { reasonHas, ...shape } = expected;
  expect(actual).toMatchObject(shape);
  if (reasonHas) expect(actual.reason).toContain(reasonHas);
}

describe('the five cases of the SData spec (sync N1 -> N2)', () => {
  const n1 = digest(['N1', 6, 1], ['N2', 7, 2], ['N3', 9, 3]);
  const n2 = digest(['N1', 5, 1], ['N2', 8, 2], ['N3', 8, 3]);

  it.each<[string, SyncState, SyncState, Expected]>([
    ['a', state('N1', 5), state('N1', 4), { outcome: 'apply', rule: 1, reasonHas: '5 > 4' }],
    ['b', state('N1', 5), state('N2', 6), { outcome: 'apply', rule: 2, reasonHas: '7 > 6' }],
    ['c', state('N1', 5), state('N2', 7), { outcome: 'conflict', winner: 'source', by: 'priority', reasonHas: 'source wins on priority 1 < 2' }],
    ['d', state('N1', 5), state('N3', 7), { outcome: 'apply', rule: 2, reasonHas: '9 > 7' }],
    // PROTOCOL.md 2.2 follows the SData spec's normative section 5.4 (priorities of the versions' own
    // endpoints only), not its illustrative table (which says N1 wins): N2's version wins.
    ['e (pinned to section 5.4)', state('N3', 8), state('N2', 7), { outcome: 'conflict', winner: 'target', by: 'priority', reasonHas: 'target wins on priority 2 < 3' }],
  ])('case %s', (_case, sourceState, targetState, expected) => {
    expectDecision(decide({ sourceDigest: n1, targetDigest: n2, sourceState, targetState }), expected);
  });
});

describe('rules 0-3', () => {
  const sd = digest(['S', 10, 1], ['T', 4, 2]);
  const td = digest(['S', 6, 1], ['T', 12, 2]);

  it.each<[string, SyncState, SyncState | undefined, Expected]>([
    ['rule 0: the target has no version', state('S', 9), undefined, { outcome: 'apply', rule: 0 }],
    ['rule 1: same endpoint, older: ignore', state('S', 3), state('S', 5), { outcome: 'ignore', rule: 1 }],
    ['rule 1: same endpoint, same tick (a duplicate): ignore', state('S', 5), state('S', 5), { outcome: 'ignore', rule: 1 }],
    ['rule 1 comes before rule 3 (the target digest has seen S 7 too)', state('S', 7), state('S', 5), { outcome: 'apply', rule: 1 }],
    ['rule 2: the source has seen the target version', state('S', 9), state('T', 3), { outcome: 'apply', rule: 2 }],
    ['rule 3: the target has seen the source version', state('S', 5), state('T', 8), { outcome: 'ignore', rule: 3, reasonHas: '6 > 5' }],
    ['rule 2 comes before rule 3', state('S', 5), state('T', 3), { outcome: 'apply', rule: 2 }],
    ['neither has seen the other: conflict', state('S', 7), state('T', 8), { outcome: 'conflict', winner: 'source', by: 'priority' }],
    ['an endpoint absent from the source digest is never contained (tick 0)', state('S', 7), state('X', 0), { outcome: 'conflict' }],
    ['an endpoint absent from the target digest is never contained (tick 0)', state('Y', 0), state('T', 8), { outcome: 'conflict' }],
  ])('%s', (_name, sourceState, targetState, expected) => {
    expectDecision(decide({ sourceDigest: sd, targetDigest: td, sourceState, targetState }), expected);
  });
});

describe('resolution', () => {
  const conflictOf = (sourcePriority: number | undefined, targetPriority: number | undefined, src: SyncState, tgt: SyncState): Decision => {
    const sourceDigest: Digest = digest(...(sourcePriority === undefined ? [] : [[src.endpoint, src.tick + 1, sourcePriority] as [string, number, number]]));
    const targetDigest: Digest = digest(...(targetPriority === undefined ? [] : [[tgt.endpoint, tgt.tick + 1, targetPriority] as [string, number, number]]));
    return decide({ sourceDigest, targetDigest, sourceState: src, targetState: tgt });
  };

  it.each<[string, number | undefined, number | undefined, SyncState, SyncState, Expected]>([
    ['lower priority wins (source)', 1, 2, state('S', 1, stampAt(1)), state('T', 1, stampAt(9)), { outcome: 'conflict', winner: 'source', by: 'priority' }],
    ['lower priority wins (target)', 3, 2, state('S', 1, stampAt(9)), state('T', 1, stampAt(1)), { outcome: 'conflict', winner: 'target', by: 'priority' }],
    ['equal priority: the later stamp wins (source)', 2, 2, state('S', 1, stampAt(5)), state('T', 1, stampAt(4)), { outcome: 'conflict', winner: 'source', by: 'stamp' }],
    ['equal priority: the later stamp wins (target)', 2, 2, state('S', 1, stampAt(4)), state('T', 1, stampAt(5)), { outcome: 'conflict', winner: 'target', by: 'stamp' }],
    ['equal stamps: the smaller endpoint URL wins (source)', 2, 2, state('http://a/x', 1), state('http://b/x', 1), { outcome: 'conflict', winner: 'source', by: 'endpoint' }],
    ['equal stamps: the smaller endpoint URL wins (target)', 2, 2, state('http://b/x', 1), state('http://a/x', 1), { outcome: 'conflict', winner: 'target', by: 'endpoint' }],
    ['URLs compare as plain strings ("B" < "a")', 2, 2, state('http://h/a', 1), state('http://h/B', 1), { outcome: 'conflict', winner: 'target', by: 'endpoint' }],
    [
      'the same instant written two ways is an equal stamp',
      2,
      2,
      state('http://b/x', 1, '2026-01-01T00:00:00Z'),
      state('http://a/x', 1, '2026-01-01T01:00:00.000+01:00'),
      { outcome: 'conflict', winner: 'target', by: 'endpoint' },
    ],
    ['a missing priority counts as 9: it loses to 8', undefined, 8, state('S', 1, stampAt(9)), state('T', 1, stampAt(1)), { outcome: 'conflict', winner: 'target', by: 'priority' }],
    ['a missing priority counts as 9: it ties with 9', 9, undefined, state('S', 1, stampAt(1)), state('T', 1, stampAt(9)), { outcome: 'conflict', winner: 'target', by: 'stamp' }],
  ])('%s', (_name, sp, tp, src, tgt, expected) => {
    expectDecision(conflictOf(sp, tp, src, tgt), expected);
  });

  it.each<[string, string, number]>([
    [stampAt(1), stampAt(2), -1],
    [stampAt(2), stampAt(1), 1],
    ['2026-01-01T00:00:00Z', T0, 0],
    ['not a date b', 'not a date a', 1],
  ])('compareStamps(%s, %s) has sign %d', (a, b, sign) => {
    expect(Math.sign(compareStamps(a, b))).toBe(sign);
  });
});

describe('knowledge in the decision (2.5)', () => {
  it('rule 2 sees the entry knowledge merged into the ceiling', () => {
    const sourceDigest = sourceKnowledgeDigest(digest(['S', 10]), digest(['T', 5]));
    expect(ticks(sourceDigest)).toEqual({ S: 10, T: 5 });
    expectDecision(decide({ sourceDigest, targetDigest: digest(['T', 9]), sourceState: state('S', 4), targetState: state('T', 4) }), { outcome: 'apply', rule: 2 });
  });

  it("rule 3 sees the stored version's knowledge merged into the target digest", () => {
    const targetDigest = targetKnowledgeDigest(digest(['T', 9]), digest(['S', 5]));
    expect(ticks(targetDigest)).toEqual({ T: 9, S: 5 });
    expectDecision(decide({ sourceDigest: digest(['S', 10]), targetDigest, sourceState: state('S', 4), targetState: state('T', 4) }), { outcome: 'ignore', rule: 3 });
  });

  it("keeps the digests' own priorities over the knowledge's", () => {
    expect(targetKnowledgeDigest(digest(['T', 9, 2]), digest(['T', 12, 7])).entries).toEqual([expect.objectContaining({ endpoint: 'T', tick: 12, conflictPriority: 2 })]);
  });
});

describe('restampedState', () => {
  it.each<[string, SyncState, SyncState]>([
    ['takes the target endpoint and clock, keeps the stamp', state('S', 4, stampAt(3)), { endpoint: 'T', tick: 17, stamp: stampAt(3) }],
    ["keeps the winner's user", state('S', 4, stampAt(3), 'ann'), { endpoint: 'T', tick: 17, stamp: stampAt(3), user: 'ann' }],
    ['also when the target version won', state('T', 2, stampAt(1)), { endpoint: 'T', tick: 17, stamp: stampAt(1) }],
  ])('%s', (_name, winner, expected) => {
    expect(restampedState(winner, 'T', 17)).toEqual(expected);
  });
});
