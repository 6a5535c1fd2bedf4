/** How many diagnoses one answer lists (protocol/diagnosis.ts). */
import { cappedDiagnoses, MAX_DIAGNOSES, SDataError, type Diagnosis } from '../../src/protocol/diagnosis';

const problems = (n: number): Diagnosis[] => Array.from({ length: n }, (_, i) => ({ severity: 'Error', sdataCode: 'BadRequest', applicationCode: 'UnknownProperty', message: `p${i}`, payloadPath: `a/p${i}` }));

describe('diagnoses of one answer', () => {
  it.each([0, 1, MAX_DIAGNOSES])('lists all %i when there are at most MAX_DIAGNOSES', (n) => {
    expect(cappedDiagnoses(problems(n))).toEqual(problems(n));
  });

  it.each([
    [MAX_DIAGNOSES + 1, '1 more diagnosis'],
    [200_000, '199980 more diagnoses'],
  ])('of %i lists the first MAX_DIAGNOSES and one saying how many more', (n, more) => {
    const out = cappedDiagnoses(problems(n));
    expect(out.length).toBe(MAX_DIAGNOSES + 1);
    expect(out.slice(0, MAX_DIAGNOSES)).toEqual(problems(MAX_DIAGNOSES));
    expect(out[MAX_DIAGNOSES]).toEqual({ severity: 'Error', sdataCode: 'BadRequest', applicationCode: 'MoreDiagnoses', message: expect.stringContaining(more) });
  });

  it('every SDataError carries the capped list', () => {
    const [first, ...more] = problems(50);
    expect(new SDataError(400, first, more).diagnoses).toEqual(cappedDiagnoses(problems(50)));
  });
});
