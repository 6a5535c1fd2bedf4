/** Two-phase distribution and change-file rules (PROTOCOL.md 7, src/protocol/twoPhase.ts). */
import fc from 'fast-check';
import { claimsOf, gapsIn } from '../../src/protocol/floorCeiling';
import { distributionDecision, distributionFloor, nextFileFloor, prepareVerdict, type TargetVote } from '../../src/protocol/twoPhase';
import type { PlannedEntry } from '../../src/protocol/pagePlan';
import type { Digest } from '../../src/protocol/types';
import { digest, state, ticks } from '../support/protocolFixtures';

describe('distributionFloor', () => {
  it.each<[string, Digest[], Record<string, number>]>([
    ['no targets: an empty floor', [], {}],
    ['one target: its digest', [digest(['X', 4], ['Y', 2])], { X: 4, Y: 2 }],
    ['per endpoint the lowest tick', [digest(['X', 4], ['Y', 2]), digest(['X', 3], ['Y', 5]), digest(['X', 6], ['Y', 9])], { X: 3, Y: 2 }],
    ['an endpoint one target does not know is left out (claimed from its first change)', [digest(['X', 4], ['Y', 2]), digest(['X', 3])], { X: 3 }],
  ])('%s', (_name, digests, expected) => {
    expect(ticks(distributionFloor(digests))).toEqual(expected);
  });

  it('keeps the stamp and priority of the entry with the lowest tick', () => {
    const floor = distributionFloor([digest(['X', 4, 2, 'late']), digest(['X', 3, 7, 'early'])]);
    expect(floor.entries).toEqual([{ endpoint: 'X', tick: 3, conflictPriority: 7, stamp: 'early' }]);
  });

  // A feed from the floor to any ceiling is contiguous at every target, a target ahead of the others included.
  it('is at or below every target: claims from it are contiguous at each of them', () => {
    const endpoints = ['X', 'Y', 'Z'];
    const digestArb = fc.array(fc.tuple(fc.constantFrom(...endpoints), fc.integer({ min: 1, max: 20 })), { maxLength: 3 }).map((es) => digest(...[...new Map(es)].map(([e, t]) => [e, t] as [string, number])));
    fc.assert(
      fc.property(fc.array(digestArb, { minLength: 1, maxLength: 4 }), digestArb, (targets, ceiling) => {
        const floor = distributionFloor(targets);
        for (const t of targets) expect(gapsIn(claimsOf(floor, ceiling), t)).toEqual([]);
      }),
    );
  });
});

const planned = (outcome: PlannedEntry['outcome'], problems: PlannedEntry['diagnoses'] = [], index = 1): PlannedEntry => ({
  entry: { index, uuid: 'u', state: state('X', 1), deleted: false, problems, raw: {} },
  outcome,
  diagnoses: problems,
});

describe('prepareVerdict', () => {
  const bad = { severity: 'Error' as const, sdataCode: 'ApplicationDiagnosis' as const, applicationCode: 'InvalidValue', message: 'balance is not an integer', payloadPath: 'entry[2]/payload/account/balance' };

  it('Ack when every entry is applied, ignored or a resolved conflict', () => {
    const plan = { entries: [planned({ kind: 'applied', method: 'POST' }), planned({ kind: 'ignored', reason: 'rule 1' }), planned({ kind: 'conflict', winner: 'target', method: 'PUT', reason: 'priority' })] };
    expect(prepareVerdict(plan, [])).toEqual({ vote: 'Ack', diagnoses: [] });
  });

  it('Nak with the diagnoses of every entry it would quarantine', () => {
    const plan = { entries: [planned({ kind: 'applied', method: 'POST' }), planned({ kind: 'quarantined' }, [bad], 2)] };
    expect(prepareVerdict(plan, [])).toEqual({ vote: 'Nak', diagnoses: [bad] });
  });

  it('Nak names the entry when its problem has no path', () => {
    expect(prepareVerdict({ entries: [planned({ kind: 'quarantined' }, [], 3)] }, []).diagnoses[0].payloadPath).toBe('entry[3]');
  });

  it('OutOfSync on a gap, whatever the entries', () => {
    const v = prepareVerdict({ entries: [planned({ kind: 'quarantined' }, [bad])] }, [{ endpoint: 'X', fromTick: 5, toTick: 9 }]);
    expect(v.vote).toBe('OutOfSync');
    expect(v.diagnoses[0]).toMatchObject({ applicationCode: 'OutOfSync', severity: 'Error' });
    expect(v.diagnoses[0].message).toContain('X');
  });
});

describe('distributionDecision', () => {
  it.each<[TargetVote[], 'commit' | 'abort']>([
    [['Ack', 'Ack', 'Ack'], 'commit'],
    [['Ack', 'Nak', 'Ack'], 'abort'],
    [['Ack', 'OutOfSync'], 'abort'],
    [['Late', 'Ack'], 'abort'],
    [['Unreachable'], 'abort'],
    [['Failed', 'Ack'], 'abort'],
    [[], 'abort'],
  ])('%j -> %s', (votes, decision) => {
    expect(distributionDecision(votes)).toBe(decision);
  });
});

describe('nextFileFloor', () => {
  const ceiling = digest(['X', 10, 2, 'cx'], ['Y', 8, 3, 'cy']);

  it('moves each endpoint past the last tick the file carries, with the ceiling stamp and priority', () => {
    const next = nextFileFloor(digest(['X', 3]), ceiling, [state('X', 3), state('X', 5), state('Y', 2)]);
    expect(ticks(next)).toEqual({ X: 6, Y: 3 });
    expect(next.entries.find((e) => e.endpoint === 'Y')).toMatchObject({ stamp: 'cy', conflictPriority: 3 });
  });

  it('leaves endpoints the file does not carry, and never moves one down', () => {
    expect(ticks(nextFileFloor(digest(['X', 7], ['Y', 4]), ceiling, [state('X', 2)]))).toEqual({ X: 7, Y: 4 });
  });

  // Files cut from one feed chain up: each file's floor is the one before moved by its entries, so a target
  // that has file k's floor takes file k + 1 without a gap, and one that has only the export's floor does not.
  it('chains files: file k + 1 is contiguous after file k and gapped without it', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 6 }), (sizes) => {
        let tick = 1;
        const files = sizes.map((n) => Array.from({ length: n }, () => state('X', tick++)));
        const c = digest(['X', tick]);
        let floor = digest();
        const floors: Digest[] = [];
        for (const f of files) {
          floors.push(floor);
          floor = nextFileFloor(floor, c, f);
        }
        for (let k = 1; k < files.length; k++) {
          expect(gapsIn(claimsOf(floors[k], c), floors[k])).toEqual([]);
          expect(gapsIn(claimsOf(floors[k], c), floors[k - 1])).not.toEqual([]);
        }
      }),
    );
  });
});
