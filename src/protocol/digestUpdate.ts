/**
 * The target digest update (PROTOCOL.md 2.3, with the floor/ceiling claims of 2.4): how the target's
 * digest moves as it takes a sync feed.
 *
 *   each entry, applied or ignored (or quarantined) ......... advanceForEntry
 *   end of the feed: the page without rel="next" ............ mergeAtEndOfFeed (both modes)
 *   a last page without entries that would change nothing .. emptyLastPageChangesNothing
 *
 * Ticks only ever move up (GREATEST(old, new)); the target's own entry never moves here (it moves only
 * through the target's own local changes, restamps included); an entry's stamp is set to `now` when its
 * tick moves; an endpoint the target did not know is added, when its tick moves, with the priority the
 * caller gives (the source's).
 */
import { entryOf, tickOf } from './digest';
import { claimsOf, gapsIn, isContiguous } from './floorCeiling';
import type { Digest, Priority, Stamp, SyncMode, SyncState, Tick } from './types';

/**
 * `d` with the tick of `endpoint` raised to `tick` if that is higher (stamped `now`); an absent
 * endpoint is added with `tick` and `priorityForNew`. Never lowers a tick; answers `d` itself when nothing moves.
 */
export function raiseTick(d: Digest, endpoint: string, tick: Tick, now: Stamp, priorityForNew: Priority): Digest {
  const current = entryOf(d, endpoint);
  if (!current) return { ...d, entries: [...d.entries, { endpoint, tick, stamp: now, conflictPriority: priorityForNew }] };
  if (tick <= current.tick) return d;
  return { ...d, entries: d.entries.map((e) => (e.endpoint === endpoint ? { ...e, tick, stamp: now } : e)) };
}

/**
 * The per-entry rule, after an entry with state (X, t) was applied, ignored or quarantined: when the
 * target's tick for X (absent = 1) is at or above the feed's floor for X (absent = 1; no floor: always)
 * and t is at or above it, X moves to t + 1. This lets an interrupted pass resume where it stopped.
 * Entries of the target's own endpoint change nothing.
 *
 * @param now stamp for the entry when its tick moves (the time the page is applied)
 * @param priorityForNew priority of X when the target did not know X (the source's: the ceiling's entry)
 */
export function advanceForEntry(targetDigest: Digest, state: SyncState, ownEndpoint: string, floor: Digest | undefined, now: Stamp, priorityForNew: Priority): Digest {
  if (state.endpoint === ownEndpoint) return targetDigest;
  const have = tickOf(targetDigest, state.endpoint, 1);
  const fromFloor = floor === undefined || have >= tickOf(floor, state.endpoint, 1);
  if (!fromFloor || state.tick < have) return targetDigest;
  return raiseTick(targetDigest, state.endpoint, state.tick + 1, now, priorityForNew);
}

/**
 * The merge at the end of a feed, in both modes. The caller calls it after the page without
 * `rel="next"` only (an immediate feed of several pages too); a pass that stops before its last page
 * never merges, and only the per-entry rule has moved the digest.
 *
 * With a floor: each claim (X, [floor[X], ceiling[X])) that is contiguous (floor[X] <= target[X]) raises
 * X to ceiling[X]; the gapped claims' endpoints are returned in `gapped` and do not move (in catch-up
 * the caller reports a Warning; in immediate mode it should have refused the page before applying it).
 * Without a floor (a plain SData 1.1 source): in catch-up every ceiling entry is merged as SData 1.1
 * does; in immediate mode nothing is merged (only the per-entry rule applies).
 * The target's own endpoint never moves (it is still listed in `gapped` when its claim has a gap: the
 * source assumed the target had changes of its own that it no longer has). When nothing moves, `digest`
 * is `targetDigest` itself.
 */
export function mergeAtEndOfFeed(
  targetDigest: Digest,
  ceiling: Digest,
  floor: Digest | undefined,
  mode: SyncMode,
  ownEndpoint: string,
  now: Stamp,
): { digest: Digest; gapped: string[] } {
  let digest = targetDigest;
  if (floor === undefined) {
    if (mode === 'catchUp') {
      for (const e of ceiling.entries) if (e.endpoint !== ownEndpoint) digest = raiseTick(digest, e.endpoint, e.tick, now, e.conflictPriority);
    }
    return { digest, gapped: [] };
  }
  const claims = claimsOf(floor, ceiling);
  for (const claim of claims) {
    if (claim.endpoint === ownEndpoint || !isContiguous(claim, targetDigest)) continue;
    const priority = entryOf(ceiling, claim.endpoint)!.conflictPriority;
    digest = raiseTick(digest, claim.endpoint, claim.toTick, now, priority);
  }
  return { digest, gapped: gapsIn(claims, targetDigest).map((c) => c.endpoint) };
}

/**
 * True when a last page with no entries would leave the target exactly as it is: the end-of-feed merge
 * (the only thing such a page does) moves no tick, adds no endpoint and finds no gap. The target's own
 * endpoint is its digest's origin; without one the answer is false. An engine need not post such a page.
 */
export function emptyLastPageChangesNothing(targetDigest: Digest, ceiling: Digest, floor: Digest | undefined, mode: SyncMode): boolean {
  if (!targetDigest.origin) return false;
  // Nothing moves, so the stamp a moved entry would take is never used.
  const merged = mergeAtEndOfFeed(targetDigest, ceiling, floor, mode, targetDigest.origin, ceiling.entries[0]?.stamp ?? '');
  return merged.digest === targetDigest && merged.gapped.length === 0;
}
