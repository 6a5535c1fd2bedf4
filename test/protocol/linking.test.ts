/**
 * PROTOCOL.md 2.8, linking what already exists: the matching rule (protocol/linking.ts) and what the page
 * plan does with its answer (protocol/pagePlan.ts), table-driven.
 */
import { foldLinkText, indexCandidates, isUnlinked, linkedBelow, linkValue, matchLink, sameValues, type LinkCandidate } from '../../src/protocol/linking';
import { planPage, type DecodedEntry } from '../../src/protocol/pagePlan';
import { digest, state, stampAt } from '../support/protocolFixtures';

const T = 'http://t/ep';
const S = 'http://s/ep';
const rule = { on: ['email'] };
const none = digest();

const candidate = (key: string, email: string, over: Partial<LinkCandidate> = {}): LinkCandidate => ({
  key,
  uuid: `local-${key}`,
  values: { name: key, email },
  deleted: false,
  state: state(T, Number(key.replace(/\D/g, '')) || 1),
  linked: false,
  ...over,
});

describe('foldLinkText and linkValue', () => {
  it.each([
    ['  Ann@Example.COM\t', 'ann@example.com'],
    ['\r\nx\n', 'x'],
    ['ÉMILE@x', 'Émile@x'], // only A-Z folds: the same in SQL whatever the collation
    [12, '12'],
    [true, 'true'],
    ['   ', undefined],
    ['', undefined],
    [null, undefined],
    [undefined, undefined],
    [{ uuid: 'x' }, undefined],
  ])('%j folds to %j', (value, folded) => {
    expect(foldLinkText(value)).toBe(folded);
  });

  it('takes every property of the rule, in order; undefined when one is missing', () => {
    expect(linkValue({ email: 'A@x', last: ' Doe ' }, { on: ['last', 'email'] })).toEqual(['doe', 'a@x']);
    expect(linkValue({ email: 'A@x' }, { on: ['last', 'email'] })).toBeUndefined();
    expect(linkValue(undefined, rule)).toBeUndefined();
  });
});

describe('isUnlinked: a local resource whose UUID may be known here only', () => {
  it.each([
    ['own version, never linked, the source has not got it', {}, none, true],
    ['marked linked', { linked: true }, none, false],
    ['deleted', { deleted: true }, none, false],
    ['version of another endpoint', { state: state(S, 3) }, none, false],
    ['the source holds this version (its digest is past the tick)', { state: state(T, 4) }, digest([T, 5]), false],
    ['the source holds only older ones', { state: state(T, 5) }, digest([T, 5]), true],
  ])('%s', (_, over, sourceDigest, expected) => {
    expect(isUnlinked(candidate('1', 'a@x', over), T, sourceDigest)).toBe(expected);
  });

  it('linkedBelow: the own ticks a page source holds', () => {
    expect(linkedBelow(digest([S, 9], [T, 7]), T)).toBe(7);
    expect(linkedBelow(digest([S, 9]), T)).toBe(0);
  });
});

describe('matchLink: the one rule', () => {
  const entry = { values: { email: ' ANN@x ' }, deleted: false, state: state(S, 1) };
  const cases: [string, typeof entry, LinkCandidate[], Set<string>, string][] = [
    ['one match', entry, [candidate('1', 'ann@x'), candidate('2', 'bob@x')], new Set(), 'one:1'],
    ['several matches', entry, [candidate('1', 'ann@x'), candidate('2', 'Ann@X')], new Set(), 'several:1,2'],
    ['no match', entry, [candidate('2', 'bob@x')], new Set(), 'none'],
    ['a linked resource never matches', entry, [candidate('1', 'ann@x', { linked: true })], new Set(), 'none'],
    ['one taken by an earlier entry of the page leaves the other', entry, [candidate('1', 'ann@x'), candidate('2', 'ann@x')], new Set(['1']), 'one:2'],
    ['a deleted entry matches nothing', { ...entry, deleted: true }, [candidate('1', 'ann@x')], new Set(), 'none'],
    ['an entry without the property matches nothing', { ...entry, values: { email: ' ' } }, [candidate('1', 'ann@x')], new Set(), 'none'],
    ["an entry of the target's own endpoint matches nothing", { ...entry, state: state(T, 9) }, [candidate('1', 'ann@x')], new Set(), 'none'],
  ];
  it.each(cases)('%s', (_, e, candidates, taken, expected) => {
    const m = matchLink(e, rule, indexCandidates(candidates, rule), T, none, taken);
    const got = m.kind === 'one' ? `one:${m.candidate.key}` : m.kind === 'several' ? `several:${m.candidates.map((c) => c.key).join(',')}` : 'none';
    expect(got).toBe(expected);
  });

  it('sameValues ignores key order and absent values', () => {
    expect(sameValues({ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1, d: undefined })).toBe(true);
    expect(sameValues({ a: 1 }, { a: '1' })).toBe(false);
    expect(sameValues({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
  });
});

describe('planPage with a link rule', () => {
  const incoming = (uuid: string, email: string, values: Record<string, unknown> = {}): DecodedEntry => ({
    index: 1,
    uuid,
    givenUuid: uuid,
    state: state(S, 1, stampAt(10)),
    deleted: false,
    values: { name: 'incoming', email, ...values },
    problems: [],
    raw: {},
  });
  const plan = (entries: DecodedEntry[], candidates: LinkCandidate[], sourcePriority = 1) =>
    planPage({
      page: { mode: 'catchUp', ceiling: digest([S, 2, sourcePriority]), isLastPage: true, entries },
      targetUrl: T,
      targetPriority: 2,
      clock: 10,
      digest: digest([T, 10, 2]),
      now: stampAt(20),
      current: new Map(),
      links: { rule, candidates },
    });

  it('links one match: the local resource takes the UUID, the conflict rules pick the winner, the loser is parked', () => {
    const p = plan([incoming('u1', 'ann@x')], [candidate('3', 'ann@x')]);
    expect(p.entries[0].outcome).toMatchObject({ kind: 'linked', key: '3', formerUuid: 'local-3', method: 'PUT', winner: 'source', parked: true });
    expect(p.entries[0].diagnoses.map((d) => d.applicationCode)).toEqual(['Linked', 'Conflict']);
    // Restamped at the target: a new own tick, so the version descends from both ends.
    expect(p.writes).toEqual([expect.objectContaining({ key: '3', uuid: 'u1', values: { name: 'incoming', email: 'ann@x' }, state: expect.objectContaining({ endpoint: T, tick: 10 }) })]);
    expect(p.clock).toBe(11);
    expect(p.conflicts).toEqual([expect.objectContaining({ uuid: 'u1', winner: 'source', loserVersion: expect.objectContaining({ key: '3', uuid: 'local-3' }) })]);
  });

  it('keeps the local values when the target wins, and parks nothing when both hold the same values', () => {
    const lost = plan([incoming('u1', 'ann@x')], [candidate('3', 'ann@x')], 9);
    expect(lost.entries[0].outcome).toMatchObject({ kind: 'linked', winner: 'target', parked: true });
    expect(lost.writes[0]).toMatchObject({ key: '3', uuid: 'u1', values: { name: '3', email: 'ann@x' } });
    const same = plan([incoming('u1', 'ANN@x ', { name: '3' })], [candidate('3', 'ANN@x ')]);
    expect(same.entries[0].outcome).toMatchObject({ kind: 'linked', parked: false });
    expect(same.entries[0].diagnoses.map((d) => d.applicationCode)).toEqual(['Linked']);
    expect(same.conflicts).toEqual([]);
    expect(same.writes[0]).toMatchObject({ key: '3', uuid: 'u1' });
  });

  it('parks an entry matching several resources with each of them and writes nothing', () => {
    const p = plan([incoming('u1', 'ann@x')], [candidate('3', 'ann@x'), candidate('4', 'ann@x')]);
    expect(p.entries[0].outcome).toEqual({ kind: 'ambiguous', keys: ['3', '4'] });
    expect(p.writes).toEqual([]);
    expect(p.conflicts.map((c) => [c.uuid, c.key, c.winnerVersion.uuid])).toEqual([
      ['u1', '3', 'local-3'],
      ['u1', '4', 'local-4'],
    ]);
    // The digest moves for it as for any entry: the next pass does not send it again.
    expect(p.digest.entries.find((e) => e.endpoint === S)?.tick).toBe(2);
    // The same page sent again is skipped: the target's digest holds the entry, nothing is parked twice.
    const again = planPage({
      page: { mode: 'catchUp', ceiling: digest([S, 2, 1]), isLastPage: true, entries: [incoming('u1', 'ann@x')] },
      targetUrl: T,
      targetPriority: 2,
      clock: 10,
      digest: p.digest,
      now: stampAt(30),
      current: new Map(),
      links: { rule, candidates: [candidate('3', 'ann@x'), candidate('4', 'ann@x')] },
    });
    expect(again.entries[0].outcome.kind).toBe('ignored');
    expect(again.conflicts).toEqual([]);
  });

  it('links a resource once per page: a second entry with the same value is created', () => {
    const second = { ...incoming('u2', 'ann@x'), index: 2, state: state(S, 2) };
    const p = plan([incoming('u1', 'ann@x'), second], [candidate('3', 'ann@x')]);
    expect(p.entries.map((e) => e.outcome.kind)).toEqual(['linked', 'applied']);
    expect(p.writes.map((w) => [w.key, w.uuid])).toEqual([
      ['3', 'u1'],
      [undefined, 'u2'],
    ]);
  });

  it('without a link rule, creates as before', () => {
    const p = planPage({ page: { mode: 'catchUp', ceiling: digest([S, 2]), isLastPage: true, entries: [incoming('u1', 'ann@x')] }, targetUrl: T, targetPriority: 2, clock: 10, digest: digest([T, 10]), now: stampAt(20), current: new Map() });
    expect(p.entries[0].outcome).toEqual({ kind: 'applied', method: 'POST' });
  });
});
