/**
 * Floor and ceiling digests (PROTOCOL.md 2.4, EXT): what a sync feed claims to contain, and whether the
 * target can take each claim without a gap in its history.
 *
 * A feed with floor F and ceiling C claims "every change of X with tick in [F[X], C[X])" for each X of
 * C with F[X] < C[X]; an X missing from F is claimed from its first change (F[X] = 1). The claim is
 * contiguous at a target with digest T when F[X] <= T[X], an X missing from T counting as 1.
 * A gap refuses an immediate page whole; in catch-up the page is applied but the gapped endpoints'
 * ticks do not move (see `mergeAtEndOfFeed`).
 */
import { tickOf } from './digest';
import type { Digest, SyncState } from './types';

/** The feed claims every change of `endpoint` with tick in [fromTick, toTick). */
export interface Claim {
  endpoint: string;
  fromTick: number;
  toTick: number;
}

/** The claims of a feed: one per ceiling entry X with floor[X] < ceiling[X] (a missing floor entry counts as 1), in ceiling order. */
export function claimsOf(floor: Digest, ceiling: Digest): Claim[] {
  return ceiling.entries
    .filter((e) => tickOf(floor, e.endpoint, 1) < e.tick)
    .map((e) => ({ endpoint: e.endpoint, fromTick: tickOf(floor, e.endpoint, 1), toTick: e.tick }));
}

/** True when the target can take the claim: it starts at or below the target's tick for the endpoint (absent = 1). */
export function isContiguous(claim: Claim, targetDigest: Digest): boolean {
  return claim.fromTick <= tickOf(targetDigest, claim.endpoint, 1);
}

/** The claims the target cannot take: they start above its tick for the endpoint. */
export function gapsIn(claims: Claim[], targetDigest: Digest): Claim[] {
  return claims.filter((c) => !isContiguous(c, targetDigest));
}

/**
 * SData 1.1's gap rule for an immediate feed without a floor: an entry whose tick for X is above the
 * target's tick for X (absent = 1), with ticks missing in between, is a gap. Entries before it in the
 * same page count as held, so consecutive changes of X in one page are contiguous. Returns the gapped
 * entries' states, in page order.
 */
export function immediateGapsWithoutFloor(entries: SyncState[], targetDigest: Digest): SyncState[] {
  const held = new Map<string, number>();
  const gaps: SyncState[] = [];
  for (const state of entries) {
    const next = held.get(state.endpoint) ?? tickOf(targetDigest, state.endpoint, 1);
    if (state.tick > next) gaps.push(state);
    else held.set(state.endpoint, Math.max(next, state.tick + 1));
  }
  return gaps;
}
