/**
 * Resources as applications and integrators see them (PROTOCOL.md 3.1): read by page, by key or by UUID,
 * and changed locally. Every local create, update or delete takes one tick of the endpoint's clock in the
 * caller's transaction and records the sync state (this endpoint, tick, stamp[, user]); a delete leaves a
 * tombstone (deleted = true, empty payload) that keeps the sync state so that the delete syncs.
 *
 * Order of the resource feed: creation order (`seq`), stable under updates; pages are read by
 * resourceQuery.ts. Every writer locks the clock first (store/clock.ts) and checks everything before it
 * takes a tick, so a refused change burns no tick.
 */
import { randomUUID } from 'node:crypto';
import type { DbOrTx, Tx } from './db';
import type { KeyStyle } from '../config/schema';
import type { SyncState } from '../protocol/types';
import type { Resource, ResourceValues } from './resource';
import { SDataError } from '../protocol/diagnosis';
import { fullUpdateValues, type DeclaredProperties } from '../protocol/propertyMerge';
import type { ResourceValues as PayloadValues } from '../protocol/propertyValues';
import { lockClock, takeTicks } from './clock';
import { allocateKeys } from './keys';
import { refuseLockedUuids } from './preparedBatches';
import { etagOf, stateOf, VERSION_COLUMNS, type VersionRow } from './versions';
import { allocateAppKeys, lockAppRowKeys, writeAppRowsOrRefuse, type AppTable } from './tableBacked/appRows';
import { foldCapturedChanges } from './tableBacked/fold';
import { holderIds, lockPartitions, partitionForWrite, readableIds, type PartitionMember, type PartitionSet } from './partitionSet';
import { moveResource } from './partitionMoves';
import { movedKnowledge } from '../protocol/partitions';

export type { Resource, ResourceValues } from './resource';

/** The endpoint a local change is made at. */
export interface LocalEndpoint {
  id: number;
  url: string;
  keys: KeyStyle;
  /** The kind's declared properties: a full update gives every one it leaves out as null (PROTOCOL.md 2.7). */
  properties?: DeclaredProperties;
  /** A table-backed endpoint: every local change also writes the application's table. */
  table?: AppTable;
  /** A partitioned kind (PROTOCOL.md 2.9): changes go to the partition the values fall in. */
  partitions?: PartitionSet;
}

export interface NewResource {
  /** The local key the client gave (`sdata:key`); allocated in the application's style when absent. */
  key?: string;
  /** The UUID the client gave (`sdata:uuid`); a new one when absent. */
  uuid?: string;
  values: ResourceValues;
}

/** A precondition: the ETag the client last saw (`If-Match` / `http:ifMatch`); undefined means none. */
export type IfMatch = string[] | undefined;

export type ResourceRow = VersionRow & { endpoint_id: number };

/** The columns a Resource is read from. */
export const RESOURCE_COLUMNS = ['endpoint_id', ...VERSION_COLUMNS];
const COLUMNS = RESOURCE_COLUMNS;
const INSERT_CHUNK = 1000;

export function resourceOf(r: ResourceRow): Resource {
  return {
    endpointId: r.endpoint_id,
    key: r.local_key,
    uuid: r.uuid,
    values: (r.payload ?? {}) as ResourceValues,
    deleted: r.deleted,
    etag: r.etag,
    state: stateOf(r),
    knowledge: r.knowledge ?? undefined,
  };
}

/**
 * The resource with this local key, tombstone included. Of a partitioned kind's endpoints (several ids),
 * the live one when there is one.
 */
export async function findResource(db: DbOrTx, endpointId: number | number[], key: string): Promise<Resource | undefined> {
  const row = await db('resources')
    .select<ResourceRow[]>(COLUMNS)
    .whereIn('endpoint_id', typeof endpointId === 'number' ? [endpointId] : endpointId)
    .where('local_key', key)
    .orderBy('deleted', 'asc')
    .first<ResourceRow | undefined>();
  return row ? resourceOf(row) : undefined;
}

const resourceNotFound = (key: string): SDataError => new SDataError(404, { sdataCode: 'ResourceNotFound', message: `no resource with key '${key}'` });

/** The live resource with this key; 404 ResourceNotFound when there is none or it is deleted. */
export async function findLiveResource(db: DbOrTx, endpointId: number | number[], key: string): Promise<Resource> {
  const found = await findResource(db, endpointId, key);
  if (!found || found.deleted) throw resourceNotFound(key);
  return found;
}

/**
 * Resources whose `column` is one of `values` (tombstones included), looked up in batches, by that value;
 * over a partitioned kind's endpoints (several ids), the live row when one of them holds it.
 */
async function findResourcesBy(db: DbOrTx, endpointId: number | number[], column: 'uuid' | 'local_key', values: string[]): Promise<Map<string, Resource>> {
  const out = new Map<string, Resource>();
  const ids = typeof endpointId === 'number' ? [endpointId] : endpointId;
  for (let i = 0; i < values.length; i += INSERT_CHUNK) {
    const rows = await db('resources').select<ResourceRow[]>(COLUMNS).whereIn('endpoint_id', ids).whereIn(column, values.slice(i, i + INSERT_CHUNK));
    for (const r of rows) if (!out.has(r[column]) || !r.deleted) out.set(r[column], resourceOf(r));
  }
  return out;
}

/** Resources by UUID (tombstones included). */
export function findResourcesByUuid(db: DbOrTx, endpointId: number | number[], uuids: string[]): Promise<Map<string, Resource>> {
  return findResourcesBy(db, endpointId, 'uuid', uuids);
}

const conflict = (message: string, applicationCode: string, payloadPath?: string): SDataError =>
  new SDataError(409, { sdataCode: 'Conflict', applicationCode, message, payloadPath });

/** Normalises an ETag as sent (`"abc"`, `W/"abc"` or `abc`). */
function bareEtag(tag: string): string {
  const t = tag.trim().replace(/^W\//, '');
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

/** Whether a precondition holds for the resource's current ETag (`*` matches any live resource). */
function ifMatchHolds(ifMatch: IfMatch, etag: string): boolean {
  if (ifMatch === undefined) return true;
  return ifMatch.some((t) => t.trim() === '*' || bareEtag(t) === etag);
}

/**
 * Checks new resources against the stored ones and against each other: a given key that a live resource
 * holds, or a given UUID that another resource holds, is a 409. A key held by a tombstone brings the
 * resource back (same UUID, same place in the feed), so the delete of that UUID is never lost.
 * Returns each item's key (undefined: to allocate) and UUID.
 */
async function plannedIdentities(trx: Tx, endpointId: number | number[], items: NewResource[]): Promise<{ key?: string; uuid: string; revives: boolean; tombstone?: Resource }[]> {
  const givenKeys = items.map((i) => i.key).filter((k): k is string => k !== undefined);
  const givenUuids = items.map((i) => i.uuid).filter((u): u is string => u !== undefined);
  const byKey = await findResourcesBy(trx, endpointId, 'local_key', givenKeys);
  const byUuid = await findResourcesBy(trx, endpointId, 'uuid', givenUuids);
  const seenKeys = new Set<string>();
  const seenUuids = new Set<string>();
  return items.map((item) => {
    if (item.key !== undefined) {
      if (seenKeys.has(item.key)) throw conflict(`key '${item.key}' is given twice`, 'DuplicateKey', 'sdata:key');
      seenKeys.add(item.key);
    }
    if (item.uuid !== undefined) {
      if (seenUuids.has(item.uuid)) throw conflict(`UUID ${item.uuid} is given twice`, 'DuplicateUuid', 'sdata:uuid');
      seenUuids.add(item.uuid);
    }
    const sameKey = item.key !== undefined ? byKey.get(item.key) : undefined;
    if (sameKey && !sameKey.deleted) throw conflict(`a resource with key '${item.key}' exists`, 'KeyExists', 'sdata:key');
    const holder = item.uuid !== undefined ? byUuid.get(item.uuid) : undefined;
    if (holder && holder.key !== item.key) throw conflict(`UUID ${item.uuid} belongs to the resource with key '${holder.key}'`, 'UuidExists', 'sdata:uuid');
    if (sameKey && item.uuid !== undefined && item.uuid !== sameKey.uuid) {
      throw conflict(`key '${item.key}' belongs to the deleted resource ${sameKey.uuid}, not to ${item.uuid}`, 'KeyExists', 'sdata:key');
    }
    return { key: item.key, uuid: sameKey?.uuid ?? item.uuid ?? randomUUID(), revives: sameKey !== undefined, tombstone: sameKey };
  });
}

/**
 * Creates resources as local changes with ONE tick range and set-based inserts (POST and $batch). All or
 * nothing: any conflict throws before anything is written.
 */
export async function createResources(trx: Tx, ep: LocalEndpoint, items: NewResource[], user?: string): Promise<Resource[]> {
  if (items.length === 0) return [];
  if (ep.partitions) return createInPartitions(trx, ep.partitions, ep.keys, items, user);
  // Given keys or UUIDs are checked under the clock lock; without any, allocateKeys takes the lock first. A
  // table-backed endpoint takes it first in any case, and then folds what its application changed.
  const givesIdentity = items.some((i) => i.key !== undefined || i.uuid !== undefined);
  if (givesIdentity || ep.table) await lockClock(trx, ep.id);
  await foldCapturedChanges(trx, ep.table);
  const planned = givesIdentity ? await plannedIdentities(trx, ep.id, items) : items.map(() => ({ key: undefined, uuid: randomUUID(), revives: false }));
  if (givesIdentity) await refuseLockedUuids(trx, ep.id, planned.map((p) => p.uuid));
  const missing = planned.filter((p) => p.key === undefined).length;
  const fresh = missing === 0 ? [] : ep.table?.keyDefault ? await allocateAppKeys(trx, ep.table, missing) : await allocateKeys(trx, ep.id, ep.keys, missing);
  const { first, stamp } = await takeTicks(trx, ep.id, items.length);
  let next = 0;
  const created: Resource[] = items.map((item, i) => {
    const state: SyncState = { endpoint: ep.url, tick: first + i, stamp, ...(user ? { user } : {}) };
    return { endpointId: ep.id, key: planned[i].key ?? fresh[next++], uuid: planned[i].uuid, values: item.values, deleted: false, etag: etagOf(state), state };
  });
  if (ep.table) await writeAppRowsOrRefuse(trx, ep.table, created);
  // A UUID the client gave is one it knows from elsewhere: the resource is linked (PROTOCOL.md 2.8).
  await insertCreated(trx, created.map((r, i) => createdRow(ep.id, r, items[i].uuid !== undefined)));
  if (planned.some((p) => p.revives)) {
    const knowledge = await findResourcesBy(trx, ep.id, 'local_key', created.filter((_, i) => planned[i].revives).map((r) => r.key));
    for (const r of created) r.knowledge = knowledge.get(r.key)?.knowledge;
  }
  return created;
}

/** The row of a created resource (its knowledge only when it has one: a revived tombstone keeps its own). */
function createdRow(endpointId: number, r: Resource, linked: boolean) {
  return {
    endpoint_id: endpointId,
    local_key: r.key,
    uuid: r.uuid,
    payload: JSON.stringify(r.values),
    deleted: false,
    etag: r.etag,
    state_endpoint: r.state.endpoint,
    state_tick: r.state.tick,
    state_stamp: r.state.stamp,
    state_user: r.state.user ?? null,
    ...(r.knowledge ? { knowledge: JSON.stringify(r.knowledge) } : {}),
    linked,
  };
}

/** Inserts created rows; a key held by a tombstone (checked before) is revived in place, its UUID and knowledge kept. */
async function insertCreated(trx: Tx, rows: ReturnType<typeof createdRow>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await trx('resources')
      .insert(rows.slice(i, i + INSERT_CHUNK))
      .onConflict(['endpoint_id', 'local_key'])
      .merge(['payload', 'deleted', 'etag', 'state_endpoint', 'state_tick', 'state_stamp', 'state_user']);
  }
}

/**
 * Creates resources of a partitioned kind (PROTOCOL.md 2.9), each in the partition its values fall in (400
 * when none or several, before anything is locked). Keys and UUIDs are checked kind-wide and new keys
 * allocated from the kind's row; each partition takes one tick range. A key held by a tombstone of another
 * partition comes back in this one, with the tombstone's UUID and its departure in its knowledge.
 */
async function createInPartitions(trx: Tx, set: PartitionSet, keys: KeyStyle, items: NewResource[], user?: string): Promise<Resource[]> {
  const places = items.map((item) => partitionForWrite(set, item.values));
  await lockPartitions(trx, set);
  const ids = holderIds(set);
  const planned = await plannedIdentities(trx, ids, items);
  for (const id of ids) await refuseLockedUuids(trx, id, planned.map((p) => p.uuid));
  const missing = planned.filter((p) => p.key === undefined).length;
  const fresh = missing === 0 ? [] : await allocateKeys(trx, set.kindId, keys, missing, ids);
  let next = 0;
  const created: Resource[] = new Array(items.length);
  for (const member of new Set(places)) {
    const mine = items.map((_, i) => i).filter((i) => places[i] === member);
    const { first, stamp } = await takeTicks(trx, member.id, mine.length);
    mine.forEach((i, n) => {
      const state: SyncState = { endpoint: member.url, tick: first + n, stamp, ...(user ? { user } : {}) };
      const p = planned[i];
      const departed = p.tombstone && p.tombstone.endpointId !== member.id ? movedKnowledge(p.tombstone, set.priority) : undefined;
      created[i] = { endpointId: member.id, key: p.key ?? fresh[next++], uuid: p.uuid, values: items[i].values, deleted: false, etag: etagOf(state), state, knowledge: departed };
    });
  }
  for (const member of new Set(places)) {
    await insertCreated(
      trx,
      created.flatMap((r, i) => (places[i] === member ? [createdRow(member.id, r, items[i].uuid !== undefined || r.knowledge !== undefined)] : [])),
    );
    const revived = created.filter((r, i) => places[i] === member && planned[i].tombstone?.endpointId === member.id);
    if (revived.length > 0) {
      const knowledge = await findResourcesBy(trx, member.id, 'local_key', revived.map((r) => r.key));
      for (const r of revived) r.knowledge = knowledge.get(r.key)?.knowledge;
    }
  }
  return created;
}

/**
 * The live resource with this key, checked against the precondition, under the clock lock (404 when
 * absent or deleted, 412 when the ETag does not match).
 */
async function lockedLiveResource(trx: Tx, ep: LocalEndpoint, key: string, ifMatch: IfMatch): Promise<Resource> {
  const endpointId = ep.id;
  await lockClock(trx, endpointId);
  await foldCapturedChanges(trx, ep.table);
  const current = await findLiveResource(trx, endpointId, key);
  await refuseLockedUuids(trx, endpointId, [current.uuid]);
  if (!ifMatchHolds(ifMatch, current.etag)) {
    throw new SDataError(412, { sdataCode: 'PreconditionFailed', message: `the resource '${key}' has changed: its ETag is ${current.etag}, not ${ifMatch!.join(', ')}` });
  }
  return current;
}

/**
 * The live resource of a partitioned kind with this key, and its partition, under every partition's clock
 * lock; 404 when it is in a partition outside the set's scope, as for one that does not exist (PROTOCOL.md 3.3).
 */
async function lockedLiveInPartitions(trx: Tx, set: PartitionSet, key: string, ifMatch: IfMatch): Promise<{ current: Resource; from: PartitionMember }> {
  await lockPartitions(trx, set);
  const current = await findLiveResource(trx, readableIds(set), key);
  const from = set.members.find((m) => m.id === current.endpointId)!;
  await refuseLockedUuids(trx, from.id, [current.uuid]);
  if (!ifMatchHolds(ifMatch, current.etag)) {
    throw new SDataError(412, { sdataCode: 'PreconditionFailed', message: `the resource '${key}' has changed: its ETag is ${current.etag}, not ${ifMatch!.join(', ')}` });
  }
  return { current, from };
}

/**
 * A table-backed endpoint: locks the application's row of a resource before the clock, in the order its
 * capture trigger takes them (a key no resource has is left to the 404 that follows).
 */
async function lockAppRow(trx: Tx, ep: LocalEndpoint, key: string): Promise<void> {
  if (ep.table && (await findResource(trx, ep.id, key))) await lockAppRowKeys(trx, ep.table, [key]);
}

/** Writes a new version of a locked resource as a local change (next tick); knowledge stays (PROTOCOL.md 2.5). */
async function writeLocalChange(trx: Tx, ep: LocalEndpoint, current: Resource, values: ResourceValues, deleted: boolean, user?: string): Promise<Resource> {
  const { first, stamp } = await takeTicks(trx, ep.id, 1);
  const state: SyncState = { endpoint: ep.url, tick: first, stamp, ...(user ? { user } : {}) };
  const etag = etagOf(state);
  if (ep.table) await writeAppRowsOrRefuse(trx, ep.table, [{ key: current.key, uuid: current.uuid, values, deleted }]);
  await trx('resources')
    .update({ payload: JSON.stringify(values), deleted, etag, state_endpoint: state.endpoint, state_tick: state.tick, state_stamp: state.stamp, state_user: state.user ?? null })
    .where({ endpoint_id: ep.id, local_key: current.key });
  return { ...current, values, deleted, etag, state };
}

/**
 * Full update of a live resource (PUT): 404 if absent or deleted, 412 if `ifMatch` fails, 409 if the
 * client gives a UUID that is not the resource's; takes a tick.
 */
export async function updateResource(trx: Tx, ep: LocalEndpoint, key: string, values: ResourceValues, ifMatch: IfMatch, opts: { uuid?: string; user?: string } = {}): Promise<Resource> {
  if (ep.partitions) {
    const full = ep.properties ? (fullUpdateValues(ep.properties, values as PayloadValues) as ResourceValues) : values;
    const { current, from } = await lockedLiveInPartitions(trx, ep.partitions, key, ifMatch);
    const to = partitionForWrite(ep.partitions, full);
    if (opts.uuid !== undefined && opts.uuid !== current.uuid) throw conflict(`resource '${key}' has UUID ${current.uuid}, not ${opts.uuid}`, 'UuidMismatch', 'sdata:uuid');
    if (to !== from) await refuseLockedUuids(trx, to.id, [current.uuid]);
    if (to === from) return writeLocalChange(trx, { id: from.id, url: from.url, keys: ep.keys }, current, full, false, opts.user);
    return moveResource(trx, ep.partitions, from, to, current, full, opts.user);
  }
  await lockAppRow(trx, ep, key);
  const current = await lockedLiveResource(trx, ep, key, ifMatch);
  if (opts.uuid !== undefined && opts.uuid !== current.uuid) throw conflict(`resource '${key}' has UUID ${current.uuid}, not ${opts.uuid}`, 'UuidMismatch', 'sdata:uuid');
  return writeLocalChange(trx, ep, current, ep.properties ? (fullUpdateValues(ep.properties, values as PayloadValues) as ResourceValues) : values, false, opts.user);
}

/** Deletes a live resource, leaving a tombstone with the new sync state (DELETE); takes a tick. */
export async function deleteResource(trx: Tx, ep: LocalEndpoint, key: string, ifMatch: IfMatch, user?: string): Promise<Resource> {
  if (ep.partitions) {
    const { current, from } = await lockedLiveInPartitions(trx, ep.partitions, key, ifMatch);
    return writeLocalChange(trx, { id: from.id, url: from.url, keys: ep.keys }, current, {}, true, user);
  }
  await lockAppRow(trx, ep, key);
  const current = await lockedLiveResource(trx, ep, key, ifMatch);
  return writeLocalChange(trx, ep, current, {}, true, user);
}
