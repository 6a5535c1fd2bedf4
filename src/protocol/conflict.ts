/**
 * Conflict detection and resolution at the target (PROTOCOL.md 2.2), for one feed entry against the
 * version the target stores for the same UUID.
 *
 *   no stored version ............................ apply            (rule 0)
 *   1. same endpoint ............................. apply iff source tick > target tick, else ignore
 *   2. source digest has seen the target version . apply
 *   3. target digest has seen the source version . ignore
 *   4. otherwise ................................. conflict: lower priority, then later stamp, then
 *                                                  smaller endpoint URL wins; the target restamps the winner
 *
 * The digests given to `decide` already include the versions' knowledge (2.5): build them with
 * `sourceKnowledgeDigest` and `targetKnowledgeDigest`.
 */
import { mergeDigests, priorityOf, tickOf } from './digest';
import { knowledgeOnApply } from './knowledge';
import type { Digest, Priority, Stamp, SyncState } from './types';

/**
 * What to do with a feed entry. `rule` is the rule of 2.2 that decided (0: the target has no version).
 * Apply and ignore are separate members so that checking `outcome` narrows step by step.
 */
export type Decision =
  | { outcome: 'apply'; rule: 0 | 1 | 2 | 3; reason: string }
  | { outcome: 'ignore'; rule: 0 | 1 | 2 | 3; reason: string }
  | { outcome: 'conflict'; winner: 'source' | 'target'; reason: string; by: 'priority' | 'stamp' | 'endpoint' };

export interface DecideInput {
  /** The feed's ceiling merged with the entry's knowledge (`sourceKnowledgeDigest`). */
  sourceDigest: Digest;
  /** The target's digest, its own entry included, merged with the stored version's knowledge (`targetKnowledgeDigest`). */
  targetDigest: Digest;
  /** The entry's sync state. */
  sourceState: SyncState;
  /** The sync state the target stores for the same UUID, if any. */
  targetState?: SyncState;
}

/**
 * The priority of an endpoint a digest has no entry for. PROTOCOL.md does not say; 9 is the weakest
 * valid priority, so a version from an endpoint nobody configured never beats a configured one on priority.
 */
export const MISSING_PRIORITY: Priority = 9;

/** What the source knew when it sent an entry: the feed's ceiling merged with the entry's knowledge (rule 2). */
export function sourceKnowledgeDigest(ceiling: Digest, entryKnowledge?: Digest): Digest {
  return knowledgeOnApply(ceiling, entryKnowledge);
}

/** What the target knows of its stored version: its digest (own entry included) merged with that version's K (rule 3). */
export function targetKnowledgeDigest(targetDigest: Digest, storedKnowledge?: Digest): Digest {
  return mergeDigests(targetDigest, storedKnowledge);
}

/**
 * Orders two stamps in time: negative when `a` is earlier. ISO-8601 stamps written differently for the
 * same instant (`...:00Z`, `...:00.000Z`, an offset) compare equal; stamps that do not parse as dates
 * compare as plain strings.
 */
export function compareStamps(a: Stamp, b: Stamp): number {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isFinite(ta) && Number.isFinite(tb)) return Math.sign(ta - tb);
  return a < b ? -1 : a > b ? 1 : 0;
}

const at = (s: SyncState): string => `(${s.endpoint} ${s.tick})`;

/** Rules 1-4 of PROTOCOL.md 2.2 in order, then the resolution of a conflict. */
export function decide(input: DecideInput): Decision {
  const { sourceDigest, targetDigest, sourceState: src, targetState: tgt } = input;
  if (!tgt) return { outcome: 'apply', rule: 0, reason: 'the target has no version of this resource' };

  if (src.endpoint === tgt.endpoint) {
    return src.tick > tgt.tick
      ? { outcome: 'apply', rule: 1, reason: `same endpoint ${src.endpoint}, the source's version is newer: ${src.tick} > ${tgt.tick}` }
      : { outcome: 'ignore', rule: 1, reason: `same endpoint ${src.endpoint}, the source's version is not newer: ${src.tick} <= ${tgt.tick}` };
  }

  // Rules 2 and 3: an endpoint absent from a digest is never "contained" (it counts as 0).
  const sourceSeen = tickOf(sourceDigest, tgt.endpoint, 0);
  if (sourceSeen > tgt.tick) {
    return { outcome: 'apply', rule: 2, reason: `the source has seen the target's version ${at(tgt)}: ${tgt.endpoint} ${sourceSeen} > ${tgt.tick}` };
  }
  const targetSeen = tickOf(targetDigest, src.endpoint, 0);
  if (targetSeen > src.tick) {
    return { outcome: 'ignore', rule: 3, reason: `the target has seen the source's version ${at(src)}: ${src.endpoint} ${targetSeen} > ${src.tick}` };
  }

  return resolve(priorityOf(sourceDigest, src.endpoint) ?? MISSING_PRIORITY, priorityOf(targetDigest, tgt.endpoint) ?? MISSING_PRIORITY, src, tgt);
}

function resolve(sp: Priority, tp: Priority, src: SyncState, tgt: SyncState): Decision {
  const versions = `source ${at(src)} against target ${at(tgt)}`;
  if (sp !== tp) {
    const winner = sp < tp ? 'source' : 'target';
    const [w, l] = sp < tp ? [sp, tp] : [tp, sp];
    return { outcome: 'conflict', winner, by: 'priority', reason: `conflict: ${winner} wins on priority ${w} < ${l} (${versions})` };
  }
  const byStamp = compareStamps(src.stamp, tgt.stamp);
  if (byStamp !== 0) {
    const winner = byStamp > 0 ? 'source' : 'target';
    const [later, earlier] = byStamp > 0 ? [src.stamp, tgt.stamp] : [tgt.stamp, src.stamp];
    return { outcome: 'conflict', winner, by: 'stamp', reason: `conflict: ${winner} wins on equal priority ${sp} and the later stamp ${later} > ${earlier} (${versions})` };
  }
  const winner = src.endpoint < tgt.endpoint ? 'source' : 'target';
  const [smaller, larger] = src.endpoint < tgt.endpoint ? [src.endpoint, tgt.endpoint] : [tgt.endpoint, src.endpoint];
  return { outcome: 'conflict', winner, by: 'endpoint', reason: `conflict: ${winner} wins on equal priority ${sp} and stamp ${src.stamp} by the smaller endpoint URL ${smaller} < ${larger}` };
}

/**
 * The state the target stores for the winner of a conflict (the restamp, EXT): a new local change at
 * the target, with the target's clock as tick (the caller moves its clock up by one), the winning
 * version's own stamp (so "later stamp wins" keeps meaning the last content change), and its user.
 */
export function restampedState(winner: SyncState, targetEndpoint: string, targetClock: number): SyncState {
  const state: SyncState = { endpoint: targetEndpoint, tick: targetClock, stamp: winner.stamp };
  return winner.user === undefined ? state : { ...state, user: winner.user };
}
