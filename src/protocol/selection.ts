/**
 * Change selection at the source (PROTOCOL.md 2.1): which ticks of which endpoints a sync feed carries,
 * given the source digest frozen at the start (the ceiling) and the target digest (the floor), and
 * which resources read later must be left out because they moved beyond the ceiling.
 */
import { entryOf, tickOf } from './digest';
import type { Digest, SyncState } from './types';

/** The resources whose sync state is at `endpoint` with a tick in [fromTick, toTick). */
export interface TickRange {
  endpoint: string;
  fromTick: number;
  toTick: number;
}

/**
 * One range per ceiling entry (X, s) with s > floor[X]: [floor[X], s). An endpoint absent from the floor
 * counts as 0 (nothing from X yet; a peer whose clock starts at 0 has its tick 0 taken too). Sorted by
 * endpoint URL (plain string comparison), the order a feed pages through them.
 */
export function selectionRanges(ceiling: Digest, floor: Digest | undefined): TickRange[] {
  return ceiling.entries
    .filter((e) => e.tick > tickOf(floor, e.endpoint, 0))
    .map((e) => ({ endpoint: e.endpoint, fromTick: tickOf(floor, e.endpoint, 0), toTick: e.tick }))
    .sort((a, b) => (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0));
}

/**
 * True when a resource's current state must be left out of the feed being built: its tick is at or
 * beyond the ceiling tick of its (current) endpoint, or that endpoint is not in the ceiling at all.
 * The next pass carries it.
 */
export function isSuperseded(state: SyncState, ceiling: Digest): boolean {
  const limit = entryOf(ceiling, state.endpoint);
  return !limit || state.tick >= limit.tick;
}
