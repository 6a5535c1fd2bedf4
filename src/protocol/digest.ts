/**
 * Reading and combining digests (PROTOCOL.md section 1): lookups by endpoint, the per-endpoint maximum,
 * the endpoint's own entry, and coverage. Every function returns new values and never mutates its inputs.
 *
 * What an endpoint missing from a digest counts as depends on the rule that asks, so lookups take it
 * explicitly: 0 in selection (2.1) and in conflict rules 2 and 3 (2.2), 1 in the digest update (2.3) and
 * the floor/ceiling checks (2.4), and in coverage (2.5).
 */
import type { Digest, DigestEntry, Priority, Tick } from './types';

/** The entry of `endpoint` in `d`, if any. */
export function entryOf(d: Digest | undefined, endpoint: string): DigestEntry | undefined {
  return d?.entries.find((e) => e.endpoint === endpoint);
}

/** The tick of `endpoint` in `d`, or `absent` when `d` has no entry for it. */
export function tickOf(d: Digest | undefined, endpoint: string, absent: number): Tick {
  return entryOf(d, endpoint)?.tick ?? absent;
}

/** The conflict priority `d` records for `endpoint`, if any. */
export function priorityOf(d: Digest | undefined, endpoint: string): Priority | undefined {
  return entryOf(d, endpoint)?.conflictPriority;
}

/**
 * Per endpoint the larger tick of `a` and `b`. The stamp goes with the larger tick (`a`'s on a tie); the
 * priority is `a`'s when `a` has the endpoint, else `b`'s. The origin is `a`'s. Entries keep `a`'s order,
 * then `b`'s new endpoints in `b`'s order.
 */
export function mergeDigests(a: Digest | undefined, b: Digest | undefined): Digest {
  const merged = new Map<string, DigestEntry>();
  for (const e of a?.entries ?? []) merged.set(e.endpoint, { ...e });
  for (const e of b?.entries ?? []) {
    const mine = merged.get(e.endpoint);
    if (!mine) merged.set(e.endpoint, { ...e });
    else if (e.tick > mine.tick) merged.set(e.endpoint, { ...mine, tick: e.tick, stamp: e.stamp });
  }
  const entries = [...merged.values()];
  return a?.origin === undefined ? { entries } : { origin: a.origin, entries };
}

/** `d` with the entry of `own.endpoint` replaced by `own` (added at the end when missing). */
export function withOwnEntry(d: Digest, own: DigestEntry): Digest {
  const has = d.entries.some((e) => e.endpoint === own.endpoint);
  const entries = has ? d.entries.map((e) => (e.endpoint === own.endpoint ? { ...own } : e)) : [...d.entries, { ...own }];
  return { ...d, entries };
}

/** True when `d` holds everything `k` does: every (X, t) of `k` has t <= d[X], an absent X counting as 1. */
export function isCoveredBy(k: Digest | undefined, d: Digest): boolean {
  return (k?.entries ?? []).every((e) => e.tick <= tickOf(d, e.endpoint, 1));
}

/**
 * True when `a` and `b` hold the same tick for every endpoint. An entry with tick <= 1 that the other
 * digest lacks says "nothing from there yet", as the missing entry does, and is ignored.
 */
export function sameTicks(a: Digest | undefined, b: Digest | undefined): boolean {
  const oneWay = (x: Digest | undefined, y: Digest | undefined): boolean =>
    (x?.entries ?? []).every((e) => {
      const other = entryOf(y, e.endpoint);
      return other ? other.tick === e.tick : e.tick <= 1;
    });
  return oneWay(a, b) && oneWay(b, a);
}
