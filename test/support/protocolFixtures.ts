/**
 * Small builders for the protocol tests: digests and sync states written as the tables of PROTOCOL.md
 * write them, e.g. `digest(['N1', 6, 1], ['N2', 7, 2])` for (N1 6 p1)(N2 7 p2).
 */
import type { Digest, DigestEntry, SyncState } from '../../src/protocol/types';

export const T0 = '2026-01-01T00:00:00.000Z';

/** Stamp `seconds` after T0. */
export const stampAt = (seconds: number): string => new Date(Date.parse(T0) + seconds * 1000).toISOString();

/** `[endpoint, tick, priority = 5, stamp = T0]` */
export type EntrySpec = [endpoint: string, tick: number, priority?: number, stamp?: string];

export const entry = ([endpoint, tick, priority = 5, stamp = T0]: EntrySpec): DigestEntry => ({ endpoint, tick, stamp, conflictPriority: priority });

/** A digest without origin, deep-frozen so a test fails if a function under test mutates it. */
export function digest(...specs: EntrySpec[]): Digest {
  return deepFreeze({ entries: specs.map(entry) });
}

/** A digest with an origin, deep-frozen. */
export function digestFrom(origin: string, ...specs: EntrySpec[]): Digest {
  return deepFreeze({ origin, entries: specs.map(entry) });
}

/** A sync state (endpoint, tick), stamp T0 unless given. */
export const state = (endpoint: string, tick: number, stamp = T0, user?: string): SyncState =>
  deepFreeze(user === undefined ? { endpoint, tick, stamp } : { endpoint, tick, stamp, user });

/** The ticks of a digest as `{ endpoint: tick }`, for compact expectations. */
export function ticks(d: Digest | undefined): Record<string, number> {
  return Object.fromEntries((d?.entries ?? []).map((e) => [e.endpoint, e.tick]));
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
