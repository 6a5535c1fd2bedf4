/**
 * How far a target is behind a source, in ticks: the changes made at the source that the target has not
 * incorporated yet. The source's own digest entry is the first tick it has not given out; the target's
 * entry for the source is the first tick of the source it has not got (1 when it has none: PROTOCOL.md 2.3).
 * Changes the source only relays from third endpoints are not counted: each route has its own lag.
 */
import { tickOf } from './digest';
import type { Digest, EndpointUrl, Tick } from './types';

export function lagInTicks(source: EndpointUrl, sourceDigest: Digest, targetDigest: Digest): Tick {
  const own = tickOf(sourceDigest, source, 1);
  return Math.max(0, own - tickOf(targetDigest, source, 1));
}
