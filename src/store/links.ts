/**
 * Links between local keys and UUIDs (PROTOCOL.md 2.8, SData `$linked`): the resources whose UUID is known
 * beyond this endpoint (`resources.linked`), the candidates an incoming entry with an unknown UUID may link
 * to (the rule is protocol/linking.ts#matchLink; findLinkCandidates finds the resources it looks at), and linking or
 * unlinking by hand.
 */
import type { DbOrTx, Tx } from './db';
import { SDataError } from '../protocol/diagnosis';
import { linkValue, type LinkCandidate, type LinkRule } from '../protocol/linking';
import type { DecodedEntry, StoredVersion } from '../protocol/pagePlan';
import { lockClock, takeTicks } from './clock';
import { refuseLockedUuids } from './preparedBatches';
import { etagOf, stateOf, VERSION_COLUMNS, type VersionRow } from './versions';
import { resourceOf, RESOURCE_COLUMNS, type LocalEndpoint, type Resource, type ResourceRow } from './resources';
import { foldCapturedChanges } from './tableBacked/fold';
import { pagedList, type Paged } from './pagedList';

const CHUNK = 500;

/** protocol/linking.ts#foldLinkText in SQL over the payload property `?`: trimmed of space, tab, CR and LF, A-Z folded, whatever the collation. */
const FOLDED_PROPERTY = "translate(btrim(payload ->> ?, ' ' || chr(9) || chr(13) || chr(10)), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')";

/**
 * The local resources not marked linked, live, whose first link property equals (folded) that of one of these
 * entries, for the entries whose UUID the target has no version of. The rest of the rule is matchLink's.
 */
export async function findLinkCandidates(db: DbOrTx, endpointId: number, rule: LinkRule, entries: DecodedEntry[], known: ReadonlyMap<string, StoredVersion>): Promise<LinkCandidate[]> {
  const wanted = new Set<string>();
  for (const e of entries) {
    if (!e.uuid || known.has(e.uuid) || e.deleted || e.problems.length > 0) continue;
    const v = linkValue(e.values, rule);
    if (v) wanted.add(v[0]);
  }
  const values = [...wanted];
  const out: LinkCandidate[] = [];
  for (let i = 0; i < values.length; i += CHUNK) {
    const rows: VersionRow[] = await db('resources')
      .select(VERSION_COLUMNS)
      .where({ endpoint_id: endpointId, linked: false, deleted: false })
      .whereRaw(`${FOLDED_PROPERTY} = ANY(?)`, [rule.on[0], values.slice(i, i + CHUNK)]);
    for (const r of rows) {
      out.push({ key: r.local_key, uuid: r.uuid, values: r.payload, deleted: r.deleted, state: stateOf(r), knowledge: r.knowledge ?? undefined, linked: false });
    }
  }
  return out;
}

/** Marks linked the resources whose own version (this endpoint, tick below `belowTick`) a page's source has. */
export async function markLinkedBelow(db: DbOrTx, endpointId: number, endpointUrl: string, belowTick: number): Promise<void> {
  if (belowTick <= 1) return;
  await db('resources').update({ linked: true }).where({ endpoint_id: endpointId, linked: false, deleted: false, state_endpoint: endpointUrl }).where('state_tick', '<', belowTick);
}

/** The linked live resources of an endpoint, one page in creation order. */
export async function listLinked(db: DbOrTx, endpointId: number, page: { offset: number; limit: number }): Promise<Paged<Resource>> {
  const query = db('resources').where({ endpoint_id: endpointId, linked: true, deleted: false });
  return pagedList<ResourceRow, Resource>(query, { column: 'seq' }, page, resourceOf);
}

/** The linked live resource holding this UUID; 404 when none does. */
export async function findLinked(db: DbOrTx, endpointId: number, uuid: string): Promise<Resource> {
  const row = await db('resources').select<ResourceRow[]>(RESOURCE_COLUMNS).where({ endpoint_id: endpointId, uuid, linked: true, deleted: false }).first<ResourceRow | undefined>();
  if (!row) throw new SDataError(404, { sdataCode: 'ResourceNotFound', applicationCode: 'NotLinked', message: `no linked resource has UUID ${uuid}` });
  return resourceOf(row);
}

const conflict = (applicationCode: string, message: string): SDataError => new SDataError(409, { sdataCode: 'Conflict', applicationCode, message, payloadPath: 'sdata:uuid' });

/**
 * Links the live resource `key` (SData `POST $linked`): without `uuid`, or with its own, it keeps its UUID
 * and is marked linked; with another UUID it takes that one as a local change (a new tick, so its version
 * goes out under the UUID), unless it is linked already (409 AlreadyLinked) or another resource of the
 * endpoint holds the UUID (409 UuidExists). Answers the resource and whether anything changed.
 */
export async function linkResource(trx: Tx, ep: LocalEndpoint, key: string, uuid: string | undefined, user?: string): Promise<{ resource: Resource; created: boolean }> {
  await lockClock(trx, ep.id);
  await foldCapturedChanges(trx, ep.table);
  const row = await trx('resources').select<ResourceRow[]>([...RESOURCE_COLUMNS, 'linked']).where({ endpoint_id: ep.id, local_key: key, deleted: false }).first<(ResourceRow & { linked: boolean }) | undefined>();
  if (!row) throw new SDataError(404, { sdataCode: 'ResourceNotFound', message: `no resource with key '${key}'`, payloadPath: 'sdata:url' });
  const current = resourceOf(row);
  if (uuid === undefined || uuid === current.uuid) {
    if (!row.linked) await trx('resources').update({ linked: true }).where({ endpoint_id: ep.id, local_key: key });
    return { resource: current, created: !row.linked };
  }
  if (row.linked) throw conflict('AlreadyLinked', `the resource '${key}' is linked with UUID ${current.uuid}: unlink it first (DELETE $linked('${current.uuid}'))`);
  const holder = await trx('resources').select('local_key').where({ endpoint_id: ep.id, uuid }).first<{ local_key: string } | undefined>();
  if (holder) throw conflict('UuidExists', `UUID ${uuid} belongs to the resource with key '${holder.local_key}'`);
  await refuseLockedUuids(trx, ep.id, [current.uuid, uuid]);
  const { first, stamp } = await takeTicks(trx, ep.id, 1);
  const state = { endpoint: ep.url, tick: first, stamp, ...(user ? { user } : {}) };
  const etag = etagOf(state);
  await trx('resources')
    .update({ uuid, linked: true, etag, state_endpoint: state.endpoint, state_tick: state.tick, state_stamp: state.stamp, state_user: state.user ?? null })
    .where({ endpoint_id: ep.id, local_key: key });
  return { resource: { ...current, uuid, etag, state }, created: true };
}

/**
 * Removes the link of the resource holding `uuid` (SData `DELETE $linked('UUID')`): it keeps its UUID and its
 * data, but counts as not linked, so an incoming entry may link to it again (2.8); 404 when no linked resource
 * holds the UUID.
 */
export async function unlinkResource(trx: Tx, ep: LocalEndpoint, uuid: string): Promise<Resource> {
  await lockClock(trx, ep.id);
  await foldCapturedChanges(trx, ep.table);
  const found = await findLinked(trx, ep.id, uuid);
  await trx('resources').update({ linked: false }).where({ endpoint_id: ep.id, local_key: found.key });
  return found;
}

/** 409 AlreadyLinked when the resource `key` is linked with another UUID than `uuid`. */
export async function refuseLinkedElsewhere(trx: Tx, endpointId: number, key: string, uuid: string): Promise<void> {
  const row = await trx('resources').select('uuid', 'linked').where({ endpoint_id: endpointId, local_key: key }).first<{ uuid: string; linked: boolean } | undefined>();
  if (row?.linked && row.uuid !== uuid) {
    throw new SDataError(409, {
      sdataCode: 'Conflict',
      applicationCode: 'AlreadyLinked',
      message: `the resource '${key}' was linked with UUID ${row.uuid} since this conflict was parked: dismiss it, or unlink the resource first`,
    });
  }
}
