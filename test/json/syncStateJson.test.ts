/** A sync state in SData JSON holds what its Atom `sync:syncState` holds: user and knowledge only when there are some. */
import { syncStateJson } from '../../src/json/syncStateJson';
import { syncStateNode } from '../../src/atom/syncEntry';
import { renderFragment } from '../../src/atom/write';

const state = { endpoint: 'http://a.test/sdata/crm/test/-/accounts', tick: 7, stamp: '2026-12-07T10:00:00.000Z' };
const knowledge = { origin: state.endpoint, entries: [{ endpoint: 'http://b.test/sdata/erp/test/-/accounts', tick: 3, stamp: '2026-12-07T09:00:00.000Z', conflictPriority: 2 }] };

describe('syncStateJson', () => {
  it('writes endpoint, tick, stamp, user and the knowledge as digest entries, as the Atom element does', () => {
    expect(syncStateJson({ ...state, user: 'ann' }, knowledge)).toEqual({ ...state, user: 'ann', knowledge: { origin: state.endpoint, digestEntry: knowledge.entries } });
    const xml = renderFragment(syncStateNode({ ...state, user: 'ann' }, knowledge));
    for (const text of ['ann', 'http://b.test/sdata/erp/test/-/accounts', '<sync:tick>3</sync:tick>']) expect(xml).toContain(text);
  });

  it('leaves out an empty user and an empty knowledge, as the Atom element does', () => {
    expect(syncStateJson({ ...state, user: '' }, { entries: [] })).toEqual(state);
    expect(renderFragment(syncStateNode({ ...state, user: '' }, { entries: [] }))).not.toMatch(/user|knowledge/);
  });
});
