/** Result feeds posted to an endpoint's `$syncResults`, kept for the source application to inspect. */
import type { DbOrTx } from './db';

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
): Promise<{ total: number; items: StoredSyncResult[] }> {
  const base = db('sync_results').where({ endpoint_id: endpointId });
  if (opts.runName) base.andWhere({ run_name: opts.runName });
  const [{ n }] = await base.clone().count<{ n: string | number }[]>({ n: '*' });
  const rows = await base.clone().orderBy('id', 'desc').offset(opts.offset).limit(opts.limit);
  return {
    total: Number(n),
    items: rows.map((r: { id: number; run_name: string | null; run_stamp: string | null; body: string; received_at: Date }) => ({
      id: Number(r.id),
      runName: r.run_name ?? undefined,
      runStamp: r.run_stamp ?? undefined,
      body: r.body,
      receivedAt: new Date(r.received_at).toISOString(),
    })),
  };
}
