/**
 * Identity of the entries of one received sync page (PROTOCOL.md 1: a UUID is a resource's global identity).
 * A source sends each resource at most once per page, under its own UUID; a page that names one UUID twice
 * cannot say which entry is the resource, and applying both would merge two resources into one, so it is
 * refused whole. The nil UUID names no resource: an entry carrying it is treated as one without a UUID.
 */

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

