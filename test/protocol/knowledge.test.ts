/** Per-version knowledge (PROTOCOL.md 2.5, src/protocol/knowledge.ts). */
import { decide, sourceKnowledgeDigest, targetKnowledgeDigest } from '../../src/protocol/conflict';
import { advanceForEntry } from '../../src/protocol/digestUpdate';
import { compactKnowledge, knowledgeOnApply, knowledgeOnRestamp, knowledgeToSend } from '../../src/protocol/knowledge';
import type { Digest } from '../../src/protocol/types';
import { digest, digestFrom, stampAt, state, ticks } from '../support/protocolFixtures';

describe('knowledgeOnApply', () => {
  it.each<[string, Digest, Digest | undefined, Record<string, number>]>([
    ["the feed's ceiling", digestFrom('S', ['S', 9], ['X', 4]), undefined, { S: 9, X: 4 }],
    ["the ceiling merged with the entry's knowledge", digestFrom('S', ['S', 9], ['X', 4]), digest(['X', 6], ['Y', 2]), { S: 9, X: 6, Y: 2 }],
  ])('%s', (_name, ceiling, k, expected) => {
    const out = knowledgeOnApply(ceiling, k);
    expect(ticks(out)).toEqual(expected);
    expect(out.origin).toBeUndefined();
  });
});

describe('knowledgeOnRestamp', () => {
  it.each<[string, (Digest | undefined)[], Record<string, number>]>([
    ['the union of both versions', [digest(['S', 9], ['X', 4]), digest(['X', 6], ['T', 3])], { S: 9, X: 6, T: 3 }],
    ['one side without knowledge', [undefined, digest(['X', 6])], { X: 6 }],
    ['three versions', [digest(['A', 2]), digest(['B', 3]), digest(['A', 5])], { A: 5, B: 3 }],
    ['none', [], {}],
  ])('%s', (_name, ks, expected) => {
    expect(ticks(knowledgeOnRestamp(...ks))).toEqual(expected);
  });
});

describe('knowledgeToSend', () => {
  const ceiling = digest(['S', 9], ['X', 4]);
  it.each<[string, Digest | undefined, boolean]>([
    ['no knowledge', undefined, false],
    ['covered by the ceiling', digest(['S', 9], ['X', 3]), false],
    ['a tick above the ceiling', digest(['S', 9], ['X', 5]), true],
    ['an endpoint the ceiling lacks, beyond its first change', digest(['Y', 2]), true],
  ])('%s', (_name, k, sent) => {
    expect(knowledgeToSend(k, ceiling)).toBe(sent ? k : undefined);
  });
});

describe('compactKnowledge', () => {
  const own = digest(['T', 30], ['X', 8]);
  it.each<[string, Digest | undefined, boolean]>([
    ['no knowledge', undefined, false],
    ['covered by the digest: cleared', digest(['X', 8], ['T', 12]), false],
    ['not covered: kept', digest(['X', 9]), true],
  ])('%s', (_name, k, kept) => {
    expect(compactKnowledge(k, own)).toBe(kept ? k : undefined);
  });
});

describe('why knowledge is required: an interrupted pass, then an older ancestor from elsewhere', () => {
  // A (priority 1) created r at (A 1); C took it (C digest A 2), changed it to (C 1), created s at (C 2).
  // Pass C -> B stops after its first page, which held r (C 1): B's digest now has C 2 but not A.
  // Then pass A -> B sends r (A 1), the ancestor of B's version.
  const floorCB = digest(['B', 1, 2]);
  const ceilingC = digest(['A', 2, 1], ['B', 1, 2], ['C', 3, 2]);
  const bDigest = advanceForEntry(floorCB, state('C', 1), 'B', floorCB, stampAt(5), 2);
  const kOfR = knowledgeOnApply(ceilingC);
  const ceilingA = digest(['A', 2, 1]);
  const input = { sourceDigest: sourceKnowledgeDigest(ceilingA), sourceState: state('A', 1, stampAt(1)), targetState: state('C', 1, stampAt(3)) };

  it("after the interrupted page, B's digest does not cover A", () => {
    expect(ticks(bDigest)).toEqual({ B: 1, C: 2 });
  });

  it("with the stored version's knowledge, B sees that it has the source's version already (rule 3)", () => {
    expect(decide({ ...input, targetDigest: targetKnowledgeDigest(bDigest, kOfR) })).toMatchObject({ outcome: 'ignore', rule: 3 });
  });

  it('without it, B would raise a conflict with an ancestor and let the older version win', () => {
    expect(decide({ ...input, targetDigest: targetKnowledgeDigest(bDigest) })).toMatchObject({ outcome: 'conflict', winner: 'source' });
  });

  it('B keeps that knowledge until its digest covers it, and sends it on in its own feeds', () => {
    expect(compactKnowledge(kOfR, bDigest)).toBe(kOfR);
    expect(knowledgeToSend(kOfR, bDigest)).toBe(kOfR);
    expect(compactKnowledge(kOfR, digest(['A', 2], ['B', 1], ['C', 3]))).toBeUndefined();
  });
});
