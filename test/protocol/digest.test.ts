/** Digest lookups and combinations (src/protocol/digest.ts). */
import { entryOf, isCoveredBy, mergeDigests, priorityOf, sameTicks, tickOf, withOwnEntry } from '../../src/protocol/digest';
import type { Digest } from '../../src/protocol/types';
import { digest, digestFrom, entry, stampAt, T0, ticks } from '../support/protocolFixtures';

const d = digest(['A', 6, 1], ['B', 0, 2]);

describe('tickOf', () => {
  it.each<[string, Digest | undefined, string, number, number]>([
    ['present', d, 'A', 0, 6],
    ['present with tick 0 (not the absent value)', d, 'B', 1, 0],
    ['absent, counted as 0', d, 'C', 0, 0],
    ['absent, counted as 1', d, 'C', 1, 1],
    ['no digest at all', undefined, 'A', 1, 1],
  ])('%s', (_name, dg, endpoint, absent, expected) => {
    expect(tickOf(dg, endpoint, absent)).toBe(expected);
  });
});

describe('entryOf and priorityOf', () => {
  it.each<[string, Digest | undefined, string, number | undefined]>([
    ['(A 6 p1)(B 0 p2)', d, 'A', 1],
    ['(A 6 p1)(B 0 p2)', d, 'B', 2],
    ['(A 6 p1)(B 0 p2)', d, 'C', undefined],
    ['no digest', undefined, 'A', undefined],
  ])('in %s, %s has priority %s', (_name, dg, endpoint, priority) => {
    expect(priorityOf(dg, endpoint)).toBe(priority);
    expect(entryOf(dg, endpoint)?.conflictPriority).toBe(priority);
  });
});

describe('mergeDigests', () => {
  it.each<[string, Digest | undefined, Digest | undefined, Record<string, number>]>([
    ['the larger tick per endpoint', digest(['A', 6], ['B', 3]), digest(['A', 4], ['B', 9]), { A: 6, B: 9 }],
    ['endpoints of either side', digest(['A', 6]), digest(['C', 2]), { A: 6, C: 2 }],
    ['first side missing', undefined, digest(['C', 2]), { C: 2 }],
    ['second side missing', digest(['A', 6]), undefined, { A: 6 }],
    ['both missing', undefined, undefined, {}],
  ])('%s', (_name, a, b, expected) => {
    expect(ticks(mergeDigests(a, b))).toEqual(expected);
  });

  it('takes the stamp with the larger tick and the priority of the first side', () => {
    const a = digestFrom('A', ['A', 6, 1, stampAt(1)], ['B', 3, 2, stampAt(2)]);
    const b = digestFrom('B', ['A', 4, 7, stampAt(3)], ['B', 9, 8, stampAt(4)], ['C', 2, 3, stampAt(5)]);
    expect(mergeDigests(a, b)).toEqual({
      origin: 'A',
      entries: [entry(['A', 6, 1, stampAt(1)]), entry(['B', 9, 2, stampAt(4)]), entry(['C', 2, 3, stampAt(5)])],
    });
  });

  it("keeps the first side's stamp when the ticks are equal, and has no origin when the first side has none", () => {
    expect(mergeDigests(digest(['A', 6, 1, stampAt(1)]), digestFrom('B', ['A', 6, 1, stampAt(9)]))).toEqual({ entries: [entry(['A', 6, 1, stampAt(1)])] });
  });
});

describe('withOwnEntry', () => {
  it.each<[string, Digest, Record<string, number>]>([
    ['replaces the own entry', digestFrom('A', ['A', 3], ['B', 7]), { A: 10, B: 7 }],
    ['adds it when missing', digestFrom('A', ['B', 7]), { B: 7, A: 10 }],
  ])('%s', (_name, dg, expected) => {
    const out = withOwnEntry(dg, entry(['A', 10, 4, stampAt(8)]));
    expect(ticks(out)).toEqual(expected);
    expect(Object.keys(ticks(out))).toEqual(Object.keys(expected));
    expect(entryOf(out, 'A')).toEqual(entry(['A', 10, 4, stampAt(8)]));
    expect(out.origin).toBe('A');
  });
});

describe('isCoveredBy', () => {
  it.each<[string, Digest | undefined, Digest, boolean]>([
    ['no knowledge', undefined, digest(['A', 1]), true],
    ['empty knowledge', digest(), digest(), true],
    ['every tick at or below', digest(['A', 5], ['B', 2]), digest(['A', 5], ['B', 3]), true],
    ['one tick above', digest(['A', 6], ['B', 2]), digest(['A', 5], ['B', 3]), false],
    ['endpoint absent from the digest counts as 1: tick 1 covered', digest(['C', 1]), digest(['A', 5]), true],
    ['endpoint absent from the digest counts as 1: tick 2 not covered', digest(['C', 2]), digest(['A', 5]), false],
  ])('%s', (_name, k, dg, expected) => {
    expect(isCoveredBy(k, dg)).toBe(expected);
  });
});

describe('sameTicks', () => {
  it.each<[string, Digest | undefined, Digest | undefined, boolean]>([
    ['equal ticks, other order and stamps', digest(['A', 5, 1, T0], ['B', 2]), digest(['B', 2, 3], ['A', 5, 1, stampAt(4)]), true],
    ['a tick differs', digest(['A', 5], ['B', 2]), digest(['A', 5], ['B', 3]), false],
    ['an entry with tick 1 missing on the other side', digest(['A', 5], ['C', 1]), digest(['A', 5]), true],
    ['an entry with tick 0 missing on the other side', digest(['A', 5]), digest(['A', 5], ['C', 0]), true],
    ['an entry with tick 2 missing on the other side', digest(['A', 5], ['C', 2]), digest(['A', 5]), false],
    ['tick 1 against tick 0, both present', digest(['C', 1]), digest(['C', 0]), false],
    ['both missing', undefined, undefined, true],
  ])('%s', (_name, a, b, expected) => {
    expect(sameTicks(a, b)).toBe(expected);
    expect(sameTicks(b, a)).toBe(expected);
  });
});
