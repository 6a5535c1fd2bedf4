/** The target digest update (PROTOCOL.md 2.3 with the claims of 2.4, src/protocol/digestUpdate.ts). */
import { entryOf } from '../../src/protocol/digest';
import fc from 'fast-check';
import { advanceForEntry, emptyLastPageChangesNothing, mergeAtEndOfFeed, raiseTick } from '../../src/protocol/digestUpdate';
import type { Digest, SyncMode, SyncState } from '../../src/protocol/types';
import { digest, entry, stampAt, state, T0, ticks } from '../support/protocolFixtures';

const NOW = stampAt(60);

describe('the worked example of PROTOCOL.md 2.3 (SData spec 5.5)', () => {
  // The target is app2 (its own entry is ahead of what the source knows of it).
  const target = digest(['app1', 5], ['app2', 11], ['app3', 8]);
  const ceiling = digest(['app1', 6], ['app2', 10], ['app3', 10]);

  it.each<[string, Digest | undefined]>([
    ['without a floor (a plain SData 1.1 source)', undefined],
    ['with the floor the source was given (the target digest at the start)', target],
  ])('ends in (app1 6)(app2 11)(app3 10) %s', (_name, floor) => {
    const afterEntry1 = advanceForEntry(target, state('app1', 5), 'app2', floor, NOW, 5);
    expect(ticks(afterEntry1)).toEqual({ app1: 6, app2: 11, app3: 8 });
    const afterEntry2 = advanceForEntry(afterEntry1, state('app3', 8), 'app2', floor, NOW, 5);
    expect(ticks(afterEntry2)).toEqual({ app1: 6, app2: 11, app3: 9 });
    const end = mergeAtEndOfFeed(afterEntry2, ceiling, floor, 'catchUp', 'app2', NOW);
    expect(ticks(end.digest)).toEqual({ app1: 6, app2: 11, app3: 10 });
    expect(end.gapped).toEqual([]);
  });
});

describe('advanceForEntry (the per-entry rule)', () => {
  const td = digest(['T', 20], ['X', 5], ['Y', 3]);
  it.each<[string, SyncState, Digest | undefined, Record<string, number>]>([
    ['the next tick moves X to t + 1', state('X', 5), undefined, { T: 20, X: 6, Y: 3 }],
    ['a later tick moves X to t + 1 (superseded ticks in between)', state('X', 8), undefined, { T: 20, X: 9, Y: 3 }],
    ['an older tick (ignored or re-sent) does not move X', state('X', 4), undefined, { T: 20, X: 5, Y: 3 }],
    ['the floor is at or below the target tick: moves', state('X', 7), digest(['X', 5]), { T: 20, X: 8, Y: 3 }],
    ['the floor is above the target tick (a gap): does not move', state('X', 7), digest(['X', 6]), { T: 20, X: 5, Y: 3 }],
    ['X absent from the floor counts as 1: moves', state('X', 7), digest(['Y', 3]), { T: 20, X: 8, Y: 3 }],
    ["the target's own endpoint never moves", state('T', 25), undefined, { T: 20, X: 5, Y: 3 }],
    ['an unknown endpoint counts as 1: its tick 1 adds it at 2', state('Z', 1), undefined, { T: 20, X: 5, Y: 3, Z: 2 }],
    ['an unknown endpoint, a later tick, floor 1: added', state('Z', 4), digest(['Z', 1]), { T: 20, X: 5, Y: 3, Z: 5 }],
    ['an unknown endpoint with a floor above 1 (a gap): not added', state('Z', 4), digest(['Z', 3]), { T: 20, X: 5, Y: 3 }],
  ])('%s', (_name, s, floor, expected) => {
    expect(ticks(advanceForEntry(td, s, 'T', floor, NOW, 4))).toEqual(expected);
  });

  it('stamps a moved entry with now, keeps its priority; a new endpoint gets the given priority', () => {
    const before = digest(['X', 5, 2, T0]);
    expect(entryOf(advanceForEntry(before, state('X', 5), 'T', undefined, NOW, 7), 'X')).toEqual(entry(['X', 6, 2, NOW]));
    expect(entryOf(advanceForEntry(before, state('Z', 1), 'T', undefined, NOW, 7), 'Z')).toEqual(entry(['Z', 2, 7, NOW]));
    expect(advanceForEntry(before, state('X', 1), 'T', undefined, NOW, 7)).toBe(before);
  });
});

describe('mergeAtEndOfFeed', () => {
  const td = digest(['T', 20], ['X', 5], ['Y', 3]);
  it.each<[string, Digest, Digest | undefined, SyncMode, Record<string, number>, string[]]>([
    ['catch-up, contiguous claims: take the ceiling', digest(['X', 9], ['Y', 7]), digest(['X', 5], ['Y', 3]), 'catchUp', { T: 20, X: 9, Y: 7 }, []],
    ['a claim starting below the target tick is contiguous', digest(['X', 9]), digest(['X', 2]), 'catchUp', { T: 20, X: 9, Y: 3 }, []],
    ['catch-up, a gap: that endpoint does not move, the others do', digest(['X', 9], ['Y', 7]), digest(['X', 6], ['Y', 3]), 'catchUp', { T: 20, X: 5, Y: 7 }, ['X']],
    ['immediate with a floor: the same claims', digest(['X', 9], ['Y', 7]), digest(['X', 5], ['Y', 3]), 'immediate', { T: 20, X: 9, Y: 7 }, []],
    ['no claim where floor = ceiling (a push leaves the other endpoints alone)', digest(['X', 9], ['Y', 7]), digest(['X', 9], ['Y', 3]), 'catchUp', { T: 20, X: 5, Y: 7 }, []],
    ['ticks never move down', digest(['X', 4], ['Y', 2]), digest(['X', 1], ['Y', 1]), 'catchUp', { T: 20, X: 5, Y: 3 }, []],
    ["the target's own endpoint never moves", digest(['T', 30], ['X', 9]), digest(['T', 20], ['X', 5]), 'catchUp', { T: 20, X: 9, Y: 3 }, []],
    ["a gap on the target's own endpoint is reported (it lost changes of its own)", digest(['T', 30]), digest(['T', 25]), 'catchUp', { T: 20, X: 5, Y: 3 }, ['T']],
    ['an endpoint missing from the floor is claimed from 1 and added', digest(['Z', 4]), digest(['X', 5]), 'catchUp', { T: 20, X: 5, Y: 3, Z: 4 }, []],
    ['no floor, catch-up: the max with every ceiling entry (SData 1.1)', digest(['T', 30], ['X', 9], ['Y', 1], ['Z', 4]), undefined, 'catchUp', { T: 20, X: 9, Y: 3, Z: 4 }, []],
    ['no floor, immediate: nothing moves (only the per-entry rule applies)', digest(['X', 9], ['Z', 4]), undefined, 'immediate', { T: 20, X: 5, Y: 3 }, []],
  ])('%s', (_name, ceiling, floor, mode, expected, gapped) => {
    const out = mergeAtEndOfFeed(td, ceiling, floor, mode, 'T', NOW);
    expect(ticks(out.digest)).toEqual(expected);
    expect(out.gapped).toEqual(gapped);
  });

  it("adds a new endpoint with the ceiling's priority and stamps moved entries with now", () => {
    const out = mergeAtEndOfFeed(digest(['T', 20, 1], ['X', 5, 2]), digest(['X', 9, 8], ['Z', 4, 3]), digest(['X', 5]), 'catchUp', 'T', NOW);
    expect(out.digest.entries).toEqual([entry(['T', 20, 1, T0]), entry(['X', 9, 2, NOW]), entry(['Z', 4, 3, NOW])]);
  });

  it('treats an immediate push as a complete feed: floor = source digest before the change, ceiling = after', () => {
    const before = digest(['S', 7], ['T', 4]);
    const after = digest(['S', 8], ['T', 4]);
    const target = digest(['S', 7], ['T', 9]);
    const perEntry = advanceForEntry(target, state('S', 7), 'T', before, NOW, 5);
    expect(ticks(mergeAtEndOfFeed(perEntry, after, before, 'immediate', 'T', NOW).digest)).toEqual({ S: 8, T: 9 });
    // The same push arriving twice: its entry is ignored by rule 1 and the digest does not move.
    const again = advanceForEntry(digest(['S', 8], ['T', 9]), state('S', 7), 'T', before, NOW, 5);
    expect(ticks(mergeAtEndOfFeed(again, after, before, 'immediate', 'T', NOW).digest)).toEqual({ S: 8, T: 9 });
  });
});

describe('raiseTick', () => {
  it.each<[string, number, Record<string, number>]>([
    ['raises', 9, { X: 9 }],
    ['keeps a higher tick', 3, { X: 5 }],
  ])('%s', (_name, tick, expected) => {
    expect(ticks(raiseTick(digest(['X', 5]), 'X', tick, NOW, 1))).toEqual(expected);
  });
});

describe('emptyLastPageChangesNothing', () => {
  const T = 'T';
  const target = (...specs: Parameters<typeof digest>) => ({ ...digest(...specs), origin: T });
  it.each<[string, Digest, Digest, Digest | undefined, SyncMode, boolean]>([
    ['every ceiling tick at or below the target', target(['S', 7], ['T', 9], ['U', 3]), digest(['S', 7], ['T', 4]), digest(['S', 5], ['T', 4]), 'catchUp', true],
    ['a ceiling tick above the target', target(['S', 7], ['T', 9]), digest(['S', 8], ['T', 4]), digest(['S', 7], ['T', 4]), 'catchUp', false],
    ['an endpoint that made no change, which the target does not list (the floor says there is nothing to take)', target(['S', 7], ['T', 9]), digest(['S', 7], ['U', 1]), digest(['S', 7], ['U', 1]), 'catchUp', true],
    ['the same without a floor (SData 1.1 merges every ceiling entry, so U would be added)', target(['S', 7], ['T', 9]), digest(['S', 7], ['U', 1]), undefined, 'catchUp', false],
    ['without a floor in immediate mode (nothing is merged)', target(['S', 7]), digest(['S', 9]), undefined, 'immediate', true],
    ["the target's own endpoint above it (a gap to report)", target(['S', 7], ['T', 4]), digest(['S', 7], ['T', 6]), digest(['S', 7], ['T', 5]), 'catchUp', false],
    ['a gap for another endpoint', target(['S', 3], ['T', 4]), digest(['S', 3], ['T', 4]), digest(['S', 5], ['T', 4]), 'catchUp', true],
    ['a digest without origin (its own endpoint unknown)', digest(['S', 7]), digest(['S', 7]), digest(['S', 7]), 'catchUp', false],
  ])('%s', (_name, t, ceiling, floor, mode, expected) => {
    expect(emptyLastPageChangesNothing(t, ceiling, floor, mode)).toBe(expected);
  });

  it('says true exactly when the end-of-feed merge, with any floor and in either mode, moves nothing and finds no gap', () => {
    const names = ['S', 'T', 'U', 'V'];
    const digestArb = fc.uniqueArray(fc.tuple(fc.constantFrom(...names), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 9 })), { selector: (e) => e[0], maxLength: 4 }).map((es) => digest(...es));
    fc.assert(
      fc.property(digestArb, digestArb, fc.option(digestArb, { nil: undefined }), fc.constantFrom<SyncMode>('catchUp', 'immediate'), (d, ceiling, floor, mode) => {
        const t = { ...d, origin: T };
        const merged = mergeAtEndOfFeed(t, ceiling, floor, mode, T, NOW);
        const unchanged = ticks(merged.digest);
        const same = merged.digest.entries.length === t.entries.length && Object.entries(ticks(t)).every(([k, v]) => unchanged[k] === v) && merged.gapped.length === 0;
        expect(emptyLastPageChangesNothing(t, ceiling, floor, mode)).toBe(same);
      }),
      { numRuns: 1000 },
    );
  });

  it('stays true for any target digest at or above one it is true for (the engine checks the digest it read before the pass)', () => {
    const names = ['S', 'T', 'U', 'V'];
    const specArb = fc.uniqueArray(fc.tuple(fc.constantFrom(...names), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 9 })), { selector: (e) => e[0], maxLength: 4 });
    const digestArb = specArb.map((es) => digest(...es));
    fc.assert(
      fc.property(specArb, fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 4, maxLength: 4 }), fc.constantFrom(...names), digestArb, fc.option(digestArb, { nil: undefined }), fc.constantFrom<SyncMode>('catchUp', 'immediate'), (spec, ups, extra, ceiling, floor, mode) => {
        const before = { ...digest(...spec), origin: T };
        fc.pre(emptyLastPageChangesNothing(before, ceiling, floor, mode));
        // Every tick raised by some amount, and maybe one endpoint added: what earlier pages can do to it.
        const raised = spec.map(([n, t, p], i) => [n, t + ups[i], p] as [string, number, number]);
        if (!raised.some(([n]) => n === extra)) raised.push([extra, 1 + ups[0], 5]);
        expect(emptyLastPageChangesNothing({ ...digest(...raised), origin: T }, ceiling, floor, mode)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
