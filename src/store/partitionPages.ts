/**
 * A sync page applied at a partition P of a kind (PROTOCOL.md 2.9, "Pages applied at a partition"):
 *
 *   before the plan   a UUID another partition Q holds live is decided against Q's live version
 *                     (liveElsewhere: it stands in for P's own version in the plan)
 *   after the plan    each version to store goes where it falls (placeWrites):
 *                       deleted, or falls in P      stored at P as planned; Q, when it held it live, departs
 *                       falls in Q' != P            arrives in Q' as a change of Q' (new tick of Q'); P
 *                                                   departs (new tick of P, whether or not it held it: P's
 *                                                   targets, the page's source among them, hold it no more),
 *                                                   and so does another partition Q that held it live
 *                       falls in none or several    quarantined, NoPartition / SeveralPartitions (unplaceable)
 *                     a scoped principal's page (the set's scope): a version falling in a partition not
 *                     reached, or replacing one such a partition holds live, is quarantined, OutOfScope
 *                     (outOfScope)
 *
 * Departures and arrivals take ticks of their partitions after P's clock was moved past the plan's ticks.
 */
import type { Tx } from './db';
import type { Diagnosis } from '../protocol/diagnosis';
import type { Digest } from '../protocol/types';
import type { PagePlan, StoredVersion } from '../protocol/pagePlan';
import { movedKnowledge, pageVersionInScope } from '../protocol/partitions';
import { loadVersionsByUuid } from './versions';
import { arriveInPartition, departFromPartition } from './partitionMoves';
import { placeOf, type PartitionMember, type PartitionSet } from './partitionSet';
import type { Resource } from './resource';

type Version = StoredVersion & { key: string };

/** The versions other partitions than P hold live, by UUID, with the partition holding each. */
export async function liveElsewhere(trx: Tx, set: PartitionSet, targetId: number, uuids: string[]): Promise<Map<string, { member: PartitionMember; version: Version }>> {
  const out = new Map<string, { member: PartitionMember; version: Version }>();
  for (const member of set.members) {
    if (member.id === targetId) continue;
    for (const [uuid, version] of await loadVersionsByUuid(trx, member.id, uuids)) if (!version.deleted) out.set(uuid, { member, version });
  }
  return out;
}

/** The live versions of a plan that fall in no partition or in several, with why (they are quarantined). */
export function unplaceable(set: PartitionSet, plan: PagePlan): Map<string, Diagnosis[]> {
  const out = new Map<string, Diagnosis[]>();
  for (const w of plan.writes) {
    if (w.deleted) continue;
    const place = placeOf(set, w.values as Record<string, unknown>);
    if (!('member' in place)) out.set(w.uuid, [{ severity: 'Error', sdataCode: 'ApplicationDiagnosis', applicationCode: place.code, message: place.message }]);
  }
  return out;
}

/**
 * The versions of a plan a scoped principal's page may not store, with why (they are quarantined,
 * PROTOCOL.md 3.3): one falling in a partition the set's scope does not reach, or replacing or deleting a
 * resource such a partition holds live. None without a scope.
 */
export function outOfScope(set: PartitionSet, plan: PagePlan, elsewhere: ReadonlyMap<string, { member: PartitionMember }>): Map<string, Diagnosis[]> {
  const out = new Map<string, Diagnosis[]>();
  const { scope } = set;
  if (!scope) return out;
  for (const w of plan.writes) {
    const place = w.deleted ? undefined : placeOf(set, w.values as Record<string, unknown>);
    const fallsIn = place && 'member' in place ? place.member : undefined;
    const heldLiveBy = elsewhere.get(w.uuid)?.member;
    if (pageVersionInScope(scope.reachable, fallsIn?.id, heldLiveBy?.id)) continue;
    const partition = fallsIn && !scope.reachable.has(fallsIn.id) ? fallsIn : heldLiveBy!;
    const what = partition === fallsIn ? 'put a resource into' : 'change a resource of';
    out.set(w.uuid, [{ severity: 'Error', sdataCode: 'Forbidden', applicationCode: 'OutOfScope', message: `${scope.who} may not ${what} the partition ${partition.url}: it is outside the partitions the user is given` }]);
  }
  return out;
}

/** A version the page stores in another partition than P, and the live row it replaces. */
interface Move {
  write: Version;
  to: PartitionMember;
  /** Another partition than P holding the resource live before the page (it departs too). */
  from?: PartitionMember;
}

/**
 * Splits a plan's writes (placeable ones, with their keys) into those stored at P, the moves out of P, and
 * the departures of other partitions holding live what P now stores.
 */
export function placeWrites(set: PartitionSet, target: PartitionMember, writes: Version[], elsewhere: ReadonlyMap<string, { member: PartitionMember }>): { here: Version[]; moves: Move[]; departures: Move[] } {
  const here: Version[] = [];
  const moves: Move[] = [];
  const departures: Move[] = [];
  for (const w of writes) {
    const other = elsewhere.get(w.uuid)?.member;
    const place = w.deleted ? undefined : placeOf(set, w.values as Record<string, unknown>);
    const to = place && 'member' in place ? place.member : target;
    if (to.id === target.id) {
      here.push(w);
      if (other) departures.push({ write: w, to, from: other });
    } else moves.push({ write: w, to, from: other });
  }
  return { here, moves, departures };
}

/** The departure of `from`, whose live version (if any) the knowledge covers beside the page's version. */
async function depart(trx: Tx, set: PartitionSet, from: PartitionMember, write: Version, knowledge: Digest): Promise<void> {
  const departing = (await loadVersionsByUuid(trx, from.id, [write.uuid])).get(write.uuid);
  await departFromPartition(trx, from, write, departing ? movedKnowledge(departing, set.priority, knowledge) : knowledge);
}

/** Writes the moves and departures of a page at P (after P's clock moved past the plan's ticks). */
export async function applyMoves(trx: Tx, set: PartitionSet, target: PartitionMember, split: { moves: Move[]; departures: Move[] }): Promise<Resource[]> {
  const written: Resource[] = [];
  for (const { write, from } of split.departures) await depart(trx, set, from!, write, movedKnowledge(write, set.priority));
  for (const { write, to, from } of split.moves) {
    const knowledge = movedKnowledge(write, set.priority);
    await depart(trx, set, target, write, knowledge);
    if (from && from.id !== to.id) await depart(trx, set, from, write, knowledge);
    written.push(await arriveInPartition(trx, to, { key: write.key, uuid: write.uuid, values: (write.values ?? {}) as Record<string, unknown>, user: write.state.user, linked: true }, knowledge));
  }
  return written;
}
