import { lagInTicks } from '../../src/protocol/lag';
import type { Digest } from '../../src/protocol/types';

const A = 'http://h/sdata/a/test/-/accounts';
const B = 'http://h/sdata/b/test/-/accounts';
const C = 'http://h/sdata/c/test/-/accounts';
const at = (entries: [string, number][]): Digest => ({ entries: entries.map(([endpoint, tick]) => ({ endpoint, tick, stamp: '2026-12-01T00:00:00.000Z', conflictPriority: 5 })) });

describe('lagInTicks', () => {
  it.each([
    ['target has every change of the source', at([[A, 11]]), at([[B, 3], [A, 11]]), 0],
    ['target misses ticks 8, 9 and 10', at([[A, 11]]), at([[B, 3], [A, 8]]), 3],
    ['target has never heard of the source: every tick from 1', at([[A, 11]]), at([[B, 3]]), 10],
    ['a source that gave out no tick yet', at([[A, 1]]), at([[B, 3]]), 0],
    ['a target ahead of the digest read earlier counts as 0, never negative', at([[A, 5]]), at([[A, 9]]), 0],
    ['relayed changes of a third endpoint are not the route lag', at([[A, 4], [C, 50]]), at([[A, 4], [C, 2]]), 0],
  ])('%s', (_, source, target, lag) => {
    expect(lagInTicks(A, source, target)).toBe(lag);
  });
});
