/** Result feeds posted to an endpoint's `$syncResults`, kept for the source application to inspect. */
import type { DbOrTx } from './db';
import { pagedList, type Paged } from './pagedList';

export interface StoredSyncResult {
  id: number;
  runName?: string;
  runStamp?: string;
  body: string;
  receivedAt: string;
}

export async function storeSyncResult(db: DbOrTx, endpointId: number, r: { runName?: string; runStamp?: string; body: string }): Promise<void> {
  await db('sync_results').insert({ endpoint_id: endpointId, run_name: r.runName ?? null, run_stamp: r.runStamp ?? null, body: r.body });
}

export async function listSyncResults(
  db: DbOrTx,
  endpointId: number,
  opts: { runName?: string; offset: number; limit: number },
): Promise<Paged<StoredSyncResult>> {
  const query = db('sync_results').where({ endpoint_id: endpointId });
  if (opts.runName) query.andWhere({ run_name: opts.runName });
  return pagedList(query, { column: 'id', direction: 'desc' }, opts, (r: { id: number; run_name: string | null; run_stamp: string | null; body: string; received_at: Date }) => ({
    id: Number(r.id),
    runName: r.run_name ?? undefined,
    runStamp: r.run_stamp ?? undefined,
    body: r.body,
    receivedAt: new Date(r.received_at).toISOString(),
  }));
}
