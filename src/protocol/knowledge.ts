/**
 * Per-version knowledge K (PROTOCOL.md 2.5): the history a stored version descends from beyond what its
 * endpoint's digest covers, so conflict rule 3 stays exact after an interrupted pass.
 *
 *   applied from a feed   K = ceiling ∪ entry's x:knowledge          knowledgeOnApply
 *   local change          K = previous version's K                  (the caller keeps it)
 *   restamp (2.2)         K = union of both versions' K             knowledgeOnRestamp
 *   sent in a feed        K only when it goes beyond the ceiling    knowledgeToSend
 *   stored                cleared once the endpoint's digest covers it   compactKnowledge
 *
 * Knowledge describes a version, not an endpoint: these digests carry no origin.
 */
import { isCoveredBy, mergeDigests } from './digest';
import type { Digest } from './types';

const withoutOrigin = (d: Digest): Digest => ({ entries: d.entries });

/** K of a version applied from a feed: the feed's ceiling merged with the entry's own knowledge. */
export function knowledgeOnApply(ceiling: Digest, entryKnowledge?: Digest): Digest {
  return withoutOrigin(mergeDigests(ceiling, entryKnowledge));
}

/** K of a restamped version: the union of the knowledge of the versions it descends from (missing ones skipped). */
export function knowledgeOnRestamp(a?: Digest, b?: Digest, c?: Digest): Digest {
  return withoutOrigin(mergeDigests(mergeDigests(a, b), c));
}

/** What a feed entry carries as `x:knowledge`: `k` when it holds a tick above the feed's ceiling, else nothing. */
export function knowledgeToSend(k: Digest | undefined, ceiling: Digest): Digest | undefined {
  return isCoveredBy(k, ceiling) ? undefined : k;
}

/** What an endpoint keeps as a version's K: nothing once the endpoint's own digest covers it. */
export function compactKnowledge(k: Digest | undefined, endpointDigest: Digest): Digest | undefined {
  return isCoveredBy(k, endpointDigest) ? undefined : k;
}
