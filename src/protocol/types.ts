/**
 * The protocol's values (PROTOCOL.md section 1). Plain data: JSON-friendly, no classes, no I/O.
 */

/** An endpoint's identity: its absolute URL. */
export type EndpointUrl = string;

/** A logical clock value. Ticks start at 1; an endpoint's clock is "the first tick not yet given out". */
export type Tick = number;

/** Conflict priority 1..9; lower wins. */
export type Priority = number;

/** ISO-8601 timestamp, UTC, millisecond precision (`2026-11-22T12:00:00.000Z`). */
export type Stamp = string;

/** `(X, t)` in E's digest: E has incorporated every change made at X with tick < t. */
export interface DigestEntry {
  endpoint: EndpointUrl;
  tick: Tick;
  stamp: Stamp;
  conflictPriority: Priority;
}

/** A digest: one entry per endpoint known (its own included). `origin` is the endpoint it describes, when known. */
export interface Digest {
  origin?: EndpointUrl;
  entries: DigestEntry[];
}

/** Sync state of a resource version: where and when it was last changed. */
export interface SyncState {
  endpoint: EndpointUrl;
  tick: Tick;
  stamp: Stamp;
  user?: string;
}

export type SyncMode = 'catchUp' | 'immediate';
