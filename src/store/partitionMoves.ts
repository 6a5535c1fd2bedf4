/**
 * A resource leaving one partition of its kind for another (PROTOCOL.md 2.9): P's row becomes a departure
 * (a tombstone stamped with a new tick of P, which P's feed serves as a delete) and Q gets the resource,
 * same UUID and key, as a change of Q (a new tick of Q; Q's tombstone of it, if any, replaced). The caller
 * holds every partition's clock (partitionSet.ts#lockPartitions) and runs both halves in one transaction.
 */
import type { Tx } from './db';
import type { Digest, SyncState } from '../protocol/types';
import { movedKnowledge } from '../protocol/partitions';
import { knowledgeOnRestamp } from '../protocol/knowledge';
import { takeTicks } from './clock';
import { etagOf } from './versions';
import type { PartitionMember, PartitionSet } from './partitionSet';
import type { Resource } from './resource';

/**
 * P's row of a departing resource becomes a tombstone with a new tick of P and the given knowledge (one is
 * written when P had no row of it: a page's version that P's source sent and that falls elsewhere).
 */
export async function departFromPartition(trx: Tx, from: PartitionMember, resource: { key: string; uuid: string }, knowledge: Digest): Promise<void> {
  const { first, stamp } = await takeTicks(trx, from.id, 1);
  const state: SyncState = { endpoint: from.url, tick: first, stamp };
  const row = { payload: '{}', deleted: true, etag: etagOf(state), state_endpoint: state.endpoint, state_tick: state.tick, state_stamp: state.stamp, state_user: null, knowledge: JSON.stringify(knowledge) };
  await trx('resources')
    .insert({ endpoint_id: from.id, local_key: resource.key, uuid: resource.uuid, linked: true, ...row })
    .onConflict(['endpoint_id', 'uuid'])
    .merge(Object.keys(row));
}

/** Q stores an arriving resource as a change of Q (a new tick of Q), replacing Q's row of it if any. */
export async function arriveInPartition(
  trx: Tx,
  to: PartitionMember,
  arriving: { key: string; uuid: string; values: Record<string, unknown>; user?: string; linked: boolean },
  knowledge: Digest,
): Promise<Resource> {
  const old: { local_key: string; deleted: boolean; knowledge: Digest | null }[] = await trx('resources')
    .select('local_key', 'deleted', 'knowledge')
    .where('endpoint_id', to.id)
    .andWhere((w) => w.where('uuid', arriving.uuid).orWhere('local_key', arriving.key));
  // Q may hold this very resource live (a page's newer version of it): it is replaced like a tombstone.
  const held: { local_key: string; uuid: string }[] = await trx('resources').select('local_key', 'uuid').where({ endpoint_id: to.id, local_key: arriving.key, deleted: false });
  if (held.some((r) => r.uuid !== arriving.uuid)) throw new Error(`arriveInPartition: ${to.url} holds key ${arriving.key} live for another resource`);
  const merged = knowledgeOnRestamp(knowledge, ...old.map((r) => r.knowledge ?? undefined));
  const { first, stamp } = await takeTicks(trx, to.id, 1);
  const state: SyncState = { endpoint: to.url, tick: first, stamp, ...(arriving.user ? { user: arriving.user } : {}) };
  const etag = etagOf(state);
  if (old.length > 0) await trx('resources').delete().where('endpoint_id', to.id).andWhere((w) => w.where('uuid', arriving.uuid).orWhere('local_key', arriving.key));
  await trx('resources').insert({
    endpoint_id: to.id,
    local_key: arriving.key,
    uuid: arriving.uuid,
    payload: JSON.stringify(arriving.values),
    deleted: false,
    etag,
    state_endpoint: state.endpoint,
    state_tick: state.tick,
    state_stamp: state.stamp,
    state_user: state.user ?? null,
    knowledge: JSON.stringify(merged),
    linked: arriving.linked,
  });
  return { endpointId: to.id, key: arriving.key, uuid: arriving.uuid, values: arriving.values, deleted: false, etag, state, knowledge: merged };
}

/** A local update whose values fall in another partition: the departure from P and the arrival in Q. */
export async function moveResource(trx: Tx, set: PartitionSet, from: PartitionMember, to: PartitionMember, current: Resource, values: Record<string, unknown>, user?: string): Promise<Resource> {
  const knowledge = movedKnowledge(current, set.priority);
  const { linked } = (await trx('resources').select('linked').where({ endpoint_id: from.id, uuid: current.uuid }).first<{ linked: boolean }>())!;
  await departFromPartition(trx, from, current, knowledge);
  return arriveInPartition(trx, to, { key: current.key, uuid: current.uuid, values, user, linked }, knowledge);
}
