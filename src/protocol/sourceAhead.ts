/**
 * Is a source ahead of a target (PROTOCOL.md 7, one-phase pull)? True exactly when the source's digest
 * holds, for some endpoint X, a tick the target's digest has not incorporated: source[X] > target[X].
 * An endpoint absent from the target counts as 1 (ticks start at 1, PROTOCOL.md 2.4): a source entry
 * (X, 1) says nothing has been given out at X yet, and a pass for it would change nothing (the engine
 * skips such a last page, so the target never learns the entry and a 0 here would ask for that pass
 * forever). The watch decides with this whether to start a pass, and an immediate route whether to push.
 */
import { tickOf } from './digest';
import { emptyLastPageChangesNothing } from './digestUpdate';
import type { Digest } from './types';

export function isSourceAhead(source: Digest, target: Digest): boolean {
  return source.entries.some((e) => e.tick > tickOf(target, e.endpoint, 1));
}

/**
 * Would a catch-up pass from a source whose digest is `source` to a target whose digest is `target` change
 * nothing? True when the source is not ahead (so its selection above that floor is empty: no tick above the
 * target's to select) and the end-of-feed merge of that digest as ceiling would leave the target as it is
 * (PROTOCOL.md 2.4, 6). An engine that read both digests then need not ask the source for a selection.
 */
export function passChangesNothing(source: Digest, target: Digest): boolean {
  return !isSourceAhead(source, target) && emptyLastPageChangesNothing(target, source, target, 'catchUp');
}
