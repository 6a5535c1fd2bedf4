/**
 * The `$syncDigest` resource in SData JSON: the entry's protocol data with `$`, the digest's fields by their
 * XML local names (`origin`, then one `digestEntry` per endpoint known):
 *
 *   { "$url": "{ep}/$syncDigest", "$descriptor": "Synchronization digest", "$updated": "…",
 *     "origin": "{ep}", "digestEntry": [ { "endpoint", "tick", "stamp", "conflictPriority" } ] }
 */
import type { Digest } from '../protocol/types';

export function digestJson(d: Digest, endpointUrl: string, updated: string): Record<string, unknown> {
  return {
    $url: `${endpointUrl}/$syncDigest`,
    $descriptor: 'Synchronization digest',
    $updated: updated,
    origin: d.origin ?? endpointUrl,
    digestEntry: d.entries.map((e) => ({ endpoint: e.endpoint, tick: e.tick, stamp: e.stamp, conflictPriority: e.conflictPriority })),
  };
}
