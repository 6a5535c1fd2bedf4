/** sharedState: the first write of a page that would take a sync state another resource holds. */
import { sharedState, stateName } from '../../src/protocol/pageIdentity';

const X = 'http://x/sdata/a/c/-/k';
const w = (uuid: string, tick: number) => ({ uuid, state: { endpoint: X, tick } });

describe('sharedState', () => {
  it.each([
    ['distinct states, none stored', [w('a', 1), w('b', 2)], [], undefined],
    ['a resource rewritten with its own stored state', [w('a', 1)], [[1, 'a']], undefined],
    ['two writes of one state', [w('a', 1), w('b', 1)], [], { uuid: 'b', holder: 'a' }],
    ['a write of a state another stored resource holds', [w('b', 4)], [[4, 'a']], { uuid: 'b', holder: 'a' }],
    ['the same tick of another endpoint', [{ uuid: 'b', state: { endpoint: `${X}2`, tick: 4 } }], [[4, 'a']], undefined],
  ] as const)('%s', (_name, writes, stored, expected) => {
    const held = new Map(stored.map(([tick, uuid]) => [stateName({ endpoint: X, tick }), uuid]));
    const found = sharedState(writes, held);
    expect(found && { uuid: found.uuid, holder: found.holder }).toEqual(expected);
  });
});
