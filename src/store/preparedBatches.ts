/**
 * Prepared two-phase batches (PROTOCOL.md 7): the pages of a `prepared` context, kept as they came, and
 * the locks they hold on the UUIDs they touch. Every writer of an endpoint's resources asks
 * `refuseLockedUuids` under the endpoint's clock lock, so no change of a locked resource can slip in
 * between a prepare and its commit. Lifecycle in store/contexts.ts.
 */
import { affectedRows, type Db, type DbOrTx, type Tx } from './db';
import { SDataError } from '../protocol/diagnosis';

/** Appends a page to a batch (the context `contextId` of the endpoint) and locks the UUIDs it touches (already locked by this batch: kept). */
export async function addPreparedPage(trx: Tx, contextId: string, endpointId: number, body: string, uuids: string[]): Promise<number> {
  const row = await trx('prepared_pages').where({ endpoint_id: endpointId, context_id: contextId }).max<{ seq: number | null }>('seq as seq').first();
  const seq = Number(row?.seq ?? 0) + 1;
  await trx('prepared_pages').insert({ endpoint_id: endpointId, context_id: contextId, seq, body });
  const LOCK_CHUNK = 1000;
  for (let i = 0; i < uuids.length; i += LOCK_CHUNK) {
    const rows = uuids.slice(i, i + LOCK_CHUNK).map((uuid) => ({ endpoint_id: endpointId, uuid, context_id: contextId }));
    await trx('prepared_locks').insert(rows).onConflict(['endpoint_id', 'uuid']).ignore();
  }
  return seq;
}

/** The pages of a batch, in the order they were prepared. */
export async function preparedPages(db: DbOrTx, endpointId: number, contextId: string): Promise<string[]> {
  const rows = await db('prepared_pages').select('body').where({ endpoint_id: endpointId, context_id: contextId }).orderBy('seq');
  return rows.map((r: { body: string }) => r.body);
}

/** Drops a batch's pages and locks (on commit, abort or timeout). */
export async function releaseBatch(db: DbOrTx, endpointId: number, contextId: string): Promise<void> {
  await db('prepared_locks').where({ endpoint_id: endpointId, context_id: contextId }).delete();
  await db('prepared_pages').where({ endpoint_id: endpointId, context_id: contextId }).delete();
}

/** The UUIDs among these that a prepared batch (other than `ownBatch`) holds at this endpoint, with the batch holding each. */
export async function lockedUuids(db: DbOrTx, endpointId: number, uuids: string[], ownBatch?: string): Promise<Map<string, string>> {
  const held = new Map<string, string>();
  const LOOKUP_CHUNK = 1000;
  for (let i = 0; i < uuids.length; i += LOOKUP_CHUNK) {
    const q = db('prepared_locks').select('uuid', 'context_id').where({ endpoint_id: endpointId }).whereIn('uuid', uuids.slice(i, i + LOOKUP_CHUNK));
    if (ownBatch) q.whereNot({ context_id: ownBatch });
    for (const r of (await q) as { uuid: string; context_id: string }[]) held.set(r.uuid, r.context_id);
  }
  return held;
}

/**
 * 409 Transient when a prepared batch (other than `ownBatch`) holds one of these UUIDs at this endpoint:
 * the change may be tried again once that batch is committed or aborted.
 */
export async function refuseLockedUuids(db: DbOrTx, endpointId: number, uuids: string[], ownBatch?: string): Promise<void> {
  if (uuids.length === 0) return;
  const held = await lockedUuids(db, endpointId, uuids, ownBatch);
  const [uuid, batch] = held.entries().next().value ?? [];
  if (uuid) {
    throw new SDataError(409, {
      severity: 'Transient',
      sdataCode: 'ApplicationDiagnosis',
      applicationCode: 'PreparedBatch',
      message: `resource ${uuid} is held by the prepared two-phase batch ${batch}${held.size > 1 ? ` (and ${held.size - 1} more)` : ''}; try again once it is committed or aborted`,
    });
  }
}

/** Aborts every prepared batch whose timeout has passed (pages and locks dropped); returns how many. */
export async function abortExpiredBatches(db: Db): Promise<number> {
  return db.transaction(async (trx) => {
    const expired = (await trx('contexts')
      .select('endpoint_id', 'id')
      .where({ role: 'prepared', status: 'prepared' })
      .where('expires_at', '<=', trx.fn.now())
      .forUpdate()) as { endpoint_id: number; id: string }[];
    if (expired.length === 0) return 0;
    const keys = expired.map((r) => [r.endpoint_id, r.id]);
    await trx('prepared_locks').whereIn(['endpoint_id', 'context_id'], keys).delete();
    await trx('prepared_pages').whereIn(['endpoint_id', 'context_id'], keys).delete();
    return affectedRows(await trx('contexts').whereIn(['endpoint_id', 'id'], keys).update({ status: 'aborted', result_status: 409, touched_at: trx.fn.now() }));
  });
}
