/** Change selection at the source (PROTOCOL.md 2.1, src/protocol/selection.ts). */
import { advanceForEntry, mergeAtEndOfFeed } from '../../src/protocol/digestUpdate';
import { isSuperseded, selectionRanges, type TickRange } from '../../src/protocol/selection';
import type { Digest, SyncState } from '../../src/protocol/types';
import { digest, state, stampAt, ticks } from '../support/protocolFixtures';

/** The target side of a complete one-page catch-up pass: the per-entry rule for each entry, then the end-of-feed merge. */
function digestAfterPass(target: string, floor: Digest, ceiling: Digest, entries: SyncState[]): Digest {
  let d = floor;
  for (const s of entries) d = advanceForEntry(d, s, target, floor, stampAt(1), 5);
  return mergeAtEndOfFeed(d, ceiling, floor, 'catchUp', target, stampAt(1)).digest;
}

describe('selection: the worked example of PROTOCOL.md 2.1', () => {
  const n1 = digest(['N1', 6], ['N2', 7], ['N3', 9]);
  const n2 = digest(['N1', 5], ['N2', 8], ['N3', 8]);
  const settled = { N1: 6, N2: 8, N3: 9 };

  it('N1 -> N2 selects N1 ticks [5,6) and N3 ticks [8,9); N2 ends at (N1 6)(N2 8)(N3 9)', () => {
    expect(selectionRanges(n1, n2)).toEqual<TickRange[]>([
      { endpoint: 'N1', fromTick: 5, toTick: 6 },
      { endpoint: 'N3', fromTick: 8, toTick: 9 },
    ]);
    expect(ticks(digestAfterPass('N2', n2, n1, [state('N1', 5), state('N3', 8)]))).toEqual(settled);
  });

  it('then N2 -> N1 selects N2 ticks [7,8); both digests end at (N1 6)(N2 8)(N3 9)', () => {
    const n2After = digest(['N1', 6], ['N2', 8], ['N3', 9]);
    expect(selectionRanges(n2After, n1)).toEqual<TickRange[]>([{ endpoint: 'N2', fromTick: 7, toTick: 8 }]);
    expect(ticks(digestAfterPass('N1', n1, n2After, [state('N2', 7)]))).toEqual(settled);
  });

  it('reaches the same digests when every selected resource was superseded (the end-of-feed merge alone)', () => {
    expect(ticks(digestAfterPass('N2', n2, n1, []))).toEqual(settled);
  });
});

describe('selectionRanges', () => {
  it.each<[string, Digest, Digest | undefined, TickRange[]]>([
    ['nothing when the floor is level or ahead', digest(['A', 5], ['B', 3]), digest(['A', 5], ['B', 4]), []],
    ['an endpoint absent from the floor counts as 0', digest(['A', 3]), digest(), [{ endpoint: 'A', fromTick: 0, toTick: 3 }]],
    ['no floor at all: everything below the ceiling', digest(['A', 3]), undefined, [{ endpoint: 'A', fromTick: 0, toTick: 3 }]],
    ['a ceiling tick of 0 selects nothing from an absent endpoint', digest(['A', 0]), digest(), []],
    [
      'sorted by endpoint URL (plain string comparison)',
      digest(['http://h/b', 4], ['http://h/B', 4], ['http://h/a', 4]),
      digest(['http://h/b', 2]),
      [
        { endpoint: 'http://h/B', fromTick: 0, toTick: 4 },
        { endpoint: 'http://h/a', fromTick: 0, toTick: 4 },
        { endpoint: 'http://h/b', fromTick: 2, toTick: 4 },
      ],
    ],
  ])('%s', (_name, ceiling, floor, expected) => {
    expect(selectionRanges(ceiling, floor)).toEqual(expected);
  });
});

describe('isSuperseded (a resource read while a page is built)', () => {
  const ceiling = digest(['A', 6], ['B', 3]);
  it.each<[string, SyncState, boolean]>([
    ['below the ceiling tick: sent', state('A', 5), false],
    ['at the ceiling tick (a later local change): left out', state('A', 6), true],
    ['beyond the ceiling tick: left out', state('A', 9), true],
    ['now from another endpoint, still below its ceiling tick: sent', state('B', 2), false],
    ['now from another endpoint, beyond its ceiling tick (an incoming sync): left out', state('B', 3), true],
    ['now from an endpoint the ceiling does not know: left out', state('C', 1), true],
  ])('%s', (_name, s, expected) => {
    expect(isSuperseded(s, ceiling)).toBe(expected);
  });
});
