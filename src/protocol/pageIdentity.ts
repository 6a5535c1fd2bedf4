/**
 * Identity of the entries of one received sync page (PROTOCOL.md 1: a UUID is a resource's global identity).
 * A source sends each resource at most once per page, under its own UUID; a page that names one UUID twice
 * cannot say which entry is the resource, and applying both would merge two resources into one, so it is
 * refused whole. The nil UUID names no resource: an entry carrying it is treated as one without a UUID.
 *
 * A sync state (endpoint, tick) names one change of one resource (PROTOCOL.md 1, 2.1): a page whose write
 * would give a resource the state another resource holds (stored, or written by the same page) is refused
 * whole too, since one of the two cannot be what that endpoint changed at that tick.
 */
import type { SyncState } from './types';

export const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** Whether a well-formed, lower-case UUID can name a resource (it is not the nil UUID). */
export function namesResource(uuid: string): boolean {
  return uuid !== NIL_UUID;
}

export interface RepeatedUuid {
  uuid: string;
  /** 1-based positions in the page of the first entry naming it and of the one naming it again. */
  firstIndex: number;
  index: number;
}

/** The first UUID (as written, usable or not) that two entries of the page name; undefined when none does. */
export function repeatedUuid(entries: Iterable<{ index: number; givenUuid?: string }>): RepeatedUuid | undefined {
  const seen = new Map<string, number>();
  for (const e of entries) {
    if (e.givenUuid === undefined) continue;
    const firstIndex = seen.get(e.givenUuid);
    if (firstIndex !== undefined) return { uuid: e.givenUuid, firstIndex, index: e.index };
    seen.set(e.givenUuid, e.index);
  }
  return undefined;
}

/** How a sync state is named in a map of the resources holding states. */
export const stateName = (s: Pick<SyncState, 'endpoint' | 'tick'>): string => `${s.tick} ${s.endpoint}`;

export interface SharedState {
  state: Pick<SyncState, 'endpoint' | 'tick'>;
  /** The resource the page would write with that state, and the one that holds it already. */
  uuid: string;
  holder: string;
}

/**
 * The first write whose sync state another resource holds: `held` maps the state names of stored resources
 * to their UUIDs, and each write holds its own state for the writes after it. Undefined when none does.
 */
export function sharedState(writes: Iterable<{ uuid: string; state: Pick<SyncState, 'endpoint' | 'tick'> }>, held: ReadonlyMap<string, string>): SharedState | undefined {
  const holders = new Map(held);
  for (const w of writes) {
    const name = stateName(w.state);
    const holder = holders.get(name);
    if (holder !== undefined && holder !== w.uuid) return { state: w.state, uuid: w.uuid, holder };
    holders.set(name, w.uuid);
  }
  return undefined;
}
