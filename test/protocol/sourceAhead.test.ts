/**
 * Is a source ahead of a target (src/protocol/sourceAhead.ts): the decision of watch routes and pushes; and
 * would a catch-up pass change nothing, so that the engine need not ask the source for a selection.
 */
import { isSourceAhead, passChangesNothing } from '../../src/protocol/sourceAhead';
import type { Digest } from '../../src/protocol/types';
import { digest, digestFrom } from '../support/protocolFixtures';

describe('isSourceAhead', () => {
  it.each<[string, Digest, Digest, boolean]>([
    ['level digests: not ahead', digest(['A', 5], ['B', 3]), digest(['A', 5], ['B', 3]), false],
    ['the target ahead everywhere: not ahead', digest(['A', 5], ['B', 3]), digest(['A', 6], ['B', 9]), false],
    ['one tick more of the source itself: ahead', digest(['A', 6], ['B', 3]), digest(['A', 5], ['B', 3]), true],
    ['one tick more of a third endpoint: ahead', digest(['A', 5], ['C', 2]), digest(['A', 5], ['C', 1]), true],
    ['an endpoint the target has never heard of, with a change: ahead', digest(['A', 5], ['C', 2]), digest(['A', 5]), true],
    ['an endpoint the target has never heard of, at tick 1 (nothing given out there yet): not ahead', digest(['A', 5], ['C', 1]), digest(['A', 5]), false],
    ['a fresh source the target has never heard of: not ahead', digest(['A', 1]), digest(['B', 1]), false],
    ['the target knows an endpoint the source lacks: not ahead', digest(['A', 5]), digest(['A', 5], ['C', 7]), false],
    ['ahead on one endpoint, behind on another: ahead', digest(['A', 7], ['B', 1]), digest(['A', 5], ['B', 9]), true],
    ['the heartbeat of a target that has everything, own entry included: not ahead', digest(['A', 5], ['B', 4]), digest(['A', 5], ['B', 8]), false],
  ])('%s', (_title, source, target, ahead) => {
    expect(isSourceAhead(source, target)).toBe(ahead);
  });
});

describe('passChangesNothing', () => {
  // The target is B; its digest's origin names it (without one, nothing is known to change nothing).
  it.each<[string, Digest, Digest, boolean]>([
    ['level digests: nothing to do', digestFrom('A', ['A', 5], ['B', 3]), digestFrom('B', ['B', 3], ['A', 5]), true],
    ['the target ahead: nothing to do', digestFrom('A', ['A', 5]), digestFrom('B', ['B', 9], ['A', 6]), true],
    ['the source ahead on itself: a pass moves changes', digestFrom('A', ['A', 6], ['B', 3]), digestFrom('B', ['B', 3], ['A', 5]), false],
    ['the source ahead on a third endpoint: a pass moves changes', digestFrom('A', ['A', 5], ['C', 4]), digestFrom('B', ['B', 3], ['A', 5], ['C', 2]), false],
    ['a source entry at tick 1 the target has never heard of: nothing to do', digestFrom('A', ['A', 5], ['C', 1]), digestFrom('B', ['B', 3], ['A', 5]), true],
    ['a target digest without origin: not known, so a pass runs', digestFrom('A', ['A', 5]), digest(['B', 3], ['A', 5]), false],
  ])('%s', (_title, source, target, nothing) => {
    expect(passChangesNothing(source, target)).toBe(nothing);
  });
});
