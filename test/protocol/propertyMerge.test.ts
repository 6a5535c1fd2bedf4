/** PROTOCOL.md 2.7: a received version carries only what its source's kind knows; the target keeps the rest. */
import { fullUpdateValues, mergeReceivedValues } from '../../src/protocol/propertyMerge';
import type { ResourceValues } from '../../src/protocol/propertyValues';

const row = (uuid: string, values: Record<string, string | null>) => ({ uuid, values });

describe('mergeReceivedValues', () => {
  it.each<[string, ResourceValues | undefined, ResourceValues, ResourceValues]>([
    ['a resource the target has not got: as received', undefined, { name: 'A' }, { name: 'A' }],
    ['a property the source does not carry is kept', { name: 'A', vatNumber: 'BE1' }, { name: 'B' }, { name: 'B', vatNumber: 'BE1' }],
    ['a property given as nil clears it', { name: 'A', vatNumber: 'BE1' }, { name: 'A', vatNumber: null }, { name: 'A', vatNumber: null }],
    ['a property given replaces it', { name: 'A', vatNumber: 'BE1' }, { vatNumber: 'BE2' }, { name: 'A', vatNumber: 'BE2' }],
    ['a reference given replaces it', { contact: { uuid: 'c1' } }, { contact: { uuid: 'c2' } }, { contact: { uuid: 'c2' } }],
    [
      'a child list given replaces the rows; a row kept keeps the row properties it does not carry',
      { lines: [row('r1', { product: 'P', colour: 'red' }), row('r2', { product: 'Q' })] },
      { lines: [row('r1', { product: 'P2' }), row('r3', { product: 'R' })] },
      { lines: [row('r1', { product: 'P2', colour: 'red' }), row('r3', { product: 'R' })] },
    ],
    ['a child list not carried is kept', { lines: [row('r1', { product: 'P' })] }, { name: 'A' }, { name: 'A', lines: [row('r1', { product: 'P' })] }],
  ])('%s', (_label, kept, received, expected) => {
    expect(mergeReceivedValues(kept, received)).toEqual(expected);
  });
});

describe('fullUpdateValues', () => {
  const declared = { name: { type: 'string' }, vatNumber: { type: 'string' }, lines: { type: 'children', properties: { product: { type: 'string' }, qty: { type: 'integer' } } } };

  it('gives every declared property left out as null (a child list as no rows), so absent means "not known"', () => {
    expect(fullUpdateValues(declared, { name: 'A' })).toEqual({ name: 'A', vatNumber: null, lines: [] });
  });

  it('completes the rows of a child list given, and keeps what is given', () => {
    expect(fullUpdateValues(declared, { name: 'A', vatNumber: 'BE1', lines: [row('r1', { product: 'P' })] })).toEqual({
      name: 'A',
      vatNumber: 'BE1',
      lines: [row('r1', { product: 'P', qty: null })],
    });
  });
});
