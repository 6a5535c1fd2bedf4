/** Floor and ceiling digests: claims and gaps in both modes (PROTOCOL.md 2.4, src/protocol/floorCeiling.ts). */
import { decide } from '../../src/protocol/conflict';
import { advanceForEntry, mergeAtEndOfFeed } from '../../src/protocol/digestUpdate';
import { claimsOf, gapsIn, immediateGapsWithoutFloor, isContiguous, type Claim } from '../../src/protocol/floorCeiling';
import type { Digest, SyncState } from '../../src/protocol/types';
import { digest, stampAt, state, ticks } from '../support/protocolFixtures';

const NOW = stampAt(60);

describe('claimsOf', () => {
  it.each<[string, Digest, Digest, Claim[]]>([
    ['floor below ceiling: a claim', digest(['X', 3]), digest(['X', 7]), [{ endpoint: 'X', fromTick: 3, toTick: 7 }]],
    ['floor = ceiling: claims nothing', digest(['X', 7]), digest(['X', 7]), []],
    ['floor above ceiling: claims nothing', digest(['X', 9]), digest(['X', 7]), []],
    ['missing from the floor: claimed from its very first change', digest(), digest(['X', 7]), [{ endpoint: 'X', fromTick: 1, toTick: 7 }]],
    ['missing from the floor, ceiling 1: nothing to claim', digest(), digest(['X', 1]), []],
    ['only ceiling endpoints are claimed', digest(['W', 3]), digest(['X', 2]), [{ endpoint: 'X', fromTick: 1, toTick: 2 }]],
    [
      'one claim per endpoint, in ceiling order',
      digest(['X', 3], ['Y', 4], ['Z', 5]),
      digest(['Z', 6], ['Y', 4], ['X', 8]),
      [
        { endpoint: 'Z', fromTick: 5, toTick: 6 },
        { endpoint: 'X', fromTick: 3, toTick: 8 },
      ],
    ],
  ])('%s', (_name, floor, ceiling, expected) => {
    expect(claimsOf(floor, ceiling)).toEqual(expected);
  });
});

describe('gapsIn', () => {
  const claims: Claim[] = [
    { endpoint: 'X', fromTick: 5, toTick: 9 },
    { endpoint: 'Y', fromTick: 1, toTick: 4 },
    { endpoint: 'Z', fromTick: 2, toTick: 4 },
  ];
  it.each<[string, Digest, string[]]>([
    ['all contiguous', digest(['X', 5], ['Z', 2]), []],
    ['the target is ahead: still contiguous', digest(['X', 7], ['Z', 3]), []],
    ['the target is behind the floor (restored from an old backup)', digest(['X', 4], ['Z', 2]), ['X']],
    ['an endpoint absent from the target counts as 1: floor 1 is contiguous, floor 2 is a gap', digest(['X', 5]), ['Z']],
  ])('%s', (_name, target, gapped) => {
    expect(gapsIn(claims, target).map((c) => c.endpoint)).toEqual(gapped);
    expect(claims.filter((c) => isContiguous(c, target)).map((c) => c.endpoint)).toEqual(claims.map((c) => c.endpoint).filter((x) => !gapped.includes(x)));
  });
});

describe('gaps in the two modes', () => {
  it('catch-up: a target restored after its digest was read applies the entries but does not move the gapped endpoint', () => {
    const floor = digest(['T', 9], ['X', 10], ['Y', 4]); // the digest the engine read
    const ceiling = digest(['S', 3], ['T', 9], ['X', 14], ['Y', 6]);
    const restored = digest(['T', 9], ['X', 7], ['Y', 4]);
    let d = restored;
    for (const s of [state('X', 12), state('Y', 5)]) d = advanceForEntry(d, s, 'T', floor, NOW, 5);
    expect(ticks(d)).toEqual({ T: 9, X: 7, Y: 6 });
    const end = mergeAtEndOfFeed(d, ceiling, floor, 'catchUp', 'T', NOW);
    expect(end.gapped).toEqual(['X']);
    expect(ticks(end.digest)).toEqual({ T: 9, X: 7, Y: 6, S: 3 });
  });

  it('immediate: the engine floor is above the target digest, so the page is refused whole before anything is applied', () => {
    const engineFloor = digest(['S', 8], ['T', 4]);
    const ceiling = digest(['S', 11], ['T', 4]);
    expect(gapsIn(claimsOf(engineFloor, ceiling), digest(['S', 6], ['T', 4])).map((c) => c.endpoint)).toEqual(['S']);
    expect(gapsIn(claimsOf(engineFloor, ceiling), digest(['S', 8], ['T', 4]))).toEqual([]);
  });

  it('immediate push arriving twice: no gap, its entry ignored by rule 1, the digest does not move', () => {
    const before = digest(['S', 7, 1], ['T', 4, 2]);
    const after = digest(['S', 8, 1], ['T', 4, 2]);
    const target = digest(['S', 8, 1], ['T', 9, 2]);
    expect(gapsIn(claimsOf(before, after), target)).toEqual([]);
    expect(decide({ sourceDigest: after, targetDigest: target, sourceState: state('S', 7), targetState: state('S', 7) })).toMatchObject({ outcome: 'ignore', rule: 1 });
    const d = advanceForEntry(target, state('S', 7), 'T', before, NOW, 1);
    expect(mergeAtEndOfFeed(d, after, before, 'immediate', 'T', NOW).digest).toBe(target);
  });
});

describe('immediateGapsWithoutFloor (SData 1.1)', () => {
  const td = digest(['X', 5], ['Y', 3]);
  it.each<[string, SyncState[], SyncState[]]>([
    ['the next change of X', [state('X', 5)], []],
    ['an older change of X', [state('X', 2)], []],
    ['consecutive changes in one page', [state('X', 5), state('X', 6), state('Y', 3)], []],
    ['ticks missing before the entry', [state('X', 7)], [state('X', 7)]],
    ['ticks missing within the page', [state('X', 5), state('X', 7)], [state('X', 7)]],
    ['an unknown endpoint from its first change (absent = 1)', [state('Z', 1)], []],
    ['an unknown endpoint with earlier ticks missing', [state('Z', 2)], [state('Z', 2)]],
  ])('%s', (_name, entries, gaps) => {
    expect(immediateGapsWithoutFloor(entries, td)).toEqual(gaps);
  });
});
