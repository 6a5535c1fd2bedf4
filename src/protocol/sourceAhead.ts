/**
 * Is a source ahead of a target (PROTOCOL.md 7, one-phase pull)? True exactly when a pass from the source
 * would select something: the source's digest holds, for some endpoint X, a tick the target's digest has
 * not incorporated (the selection of 2.1 is not empty; an endpoint absent from the target counts as 0).
 * The watch decides with this whether to start a pass, and an immediate route whether to push.
 */
import { selectionRanges } from './selection';
import type { Digest } from './types';

export function isSourceAhead(source: Digest, target: Digest): boolean {
  return selectionRanges(source, target).length > 0;
}
