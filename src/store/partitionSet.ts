/**
 * The endpoints of a partitioned kind (PROTOCOL.md 2.9) as the store writes them: the kind's own row (which
 * allocates keys kind-wide) and one endpoint per partition, each with its checked condition. Every writer
 * of a partitioned kind locks all its partitions' clocks first, in endpoint id order, so that two writers
 * (a local change, a page, a move between two partitions) never wait on each other in a cycle.
 */
import type { Tx } from './db';
import { SDataError } from '../protocol/diagnosis';
import type { Condition } from '../protocol/condition';
import { partitionOf } from '../protocol/partitions';
import { lockClock } from './clock';

export interface PartitionMember {
  id: number;
  url: string;
  /** The partition's expression in its one spelling (for diagnoses). */
  where: string;
  condition: Condition;
}

export interface PartitionSet {
  kindId: number;
  kindUrl: string;
  /** The kind's conflict priority (every partition's). */
  priority: number;
  /** In configuration order (partitionOf's indexes). */
  members: PartitionMember[];
  /**
   * The partitions a request's principal reaches (PROTOCOL.md 3.3, endpoint/scoped.ts), and who it is for
   * diagnoses; absent: every partition. Reads and writes find the reached partitions' resources only
   * (readableIds); a write into another is refused (refuseUnreachable).
   */
  scope?: { reachable: ReadonlySet<number>; who: string };
}

/** The endpoints that hold a partitioned kind's resources (every partition: what keys and UUIDs are checked against). */
export const holderIds = (set: PartitionSet): number[] => set.members.map((m) => m.id);

/** The endpoints whose resources a reader of the set sees: every partition, or those its scope reaches. */
export const readableIds = (set: PartitionSet): number[] => (set.scope ? holderIds(set).filter((id) => set.scope!.reachable.has(id)) : holderIds(set));

/**
 * 403 OutOfScope when the set's scope does not reach this partition: a write may not put a resource into it.
 * (A resource already in such a partition is not found by a write, as by a read: readableIds.)
 */
export function refuseUnreachable(set: PartitionSet, member: PartitionMember): void {
  if (!set.scope || set.scope.reachable.has(member.id)) return;
  throw new SDataError(403, { sdataCode: 'Forbidden', applicationCode: 'OutOfScope', message: `${set.scope.who} may not put a resource into the partition ${member.url}: it is outside the partitions the user is given` });
}

/** Which partition values fall in; undefined with the diagnosis code when they fall in none or several. */
export function placeOf(set: PartitionSet, values: Record<string, unknown>): { member: PartitionMember } | { code: 'NoPartition' | 'SeveralPartitions'; message: string } {
  const at = partitionOf(set.members.map((m) => m.condition), values as never);
  if (at === 'none') return { code: 'NoPartition', message: `the values fall in none of the partitions of ${set.kindUrl} (${set.members.map((m) => m.where).join('; ')})` };
  if (at === 'several') return { code: 'SeveralPartitions', message: `the values fall in several partitions of ${set.kindUrl} (${set.members.map((m) => m.where).join('; ')})` };
  return { member: set.members[at] };
}

/**
 * The partition a local write's values go to; 400 NoPartition or SeveralPartitions otherwise, 403
 * OutOfScope when it is outside the set's scope.
 */
export function partitionForWrite(set: PartitionSet, values: Record<string, unknown>): PartitionMember {
  const place = placeOf(set, values);
  if ('member' in place) {
    refuseUnreachable(set, place.member);
    return place.member;
  }
  throw new SDataError(400, { sdataCode: 'BadRequest', applicationCode: place.code, message: place.message });
}

/** Locks every partition's clock, in endpoint id order. */
export async function lockPartitions(trx: Tx, set: PartitionSet): Promise<void> {
  for (const id of [...holderIds(set)].sort((a, b) => a - b)) await lockClock(trx, id);
}
